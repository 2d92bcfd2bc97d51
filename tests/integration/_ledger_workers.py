"""Worker bodies for the ledger concurrency tests (importable by 'spawn' children)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # one hour window for the whole run


def ledger_worker(url: str, prefix: str, limits: tuple, worker: int, n: int, start, results) -> None:
    from cert_core.governance import BudgetLedger, LedgerLimits, Reservation

    ledger = BudgetLedger(url, LedgerLimits(*limits), table_prefix=prefix)
    ledger.usage(NOW)  # connect and create tables before the race starts
    start.wait()
    expected_tokens = expected_micro = approved = denied = 0
    t0 = time.perf_counter()
    for i in range(n):
        op = f"w{worker}-{i}"
        tokens = 1 + (i * 7 + worker) % 20
        cost = tokens * 0.001
        result = ledger.reserve(op, tokens, cost, NOW, category="cat", category_daily_tokens=limits[0])
        if not isinstance(result, Reservation):
            denied += 1
            continue
        approved += 1
        if i % 3 == 0:  # used fewer tokens than reserved
            ledger.commit(op, tokens - 1, cost / 2)
            expected_tokens += tokens - 1
            expected_micro += round(cost / 2 * 1_000_000)
        elif i % 3 == 1:  # never called: give it back
            ledger.release(op)
        else:
            expected_tokens += tokens
            expected_micro += round(cost * 1_000_000)
    elapsed = time.perf_counter() - t0
    ledger.dispose()
    results.put({"worker": worker, "tokens": expected_tokens, "micro": expected_micro, "approved": approved,
                 "denied": denied, "elapsed": elapsed})


def holding_worker(url: str, prefix: str, limits: tuple, worker: int, ttl_s: float, progress) -> None:
    """Reserve forever at NOW; commit every other hold, leave the rest uncommitted (killed before commit)."""
    from cert_core.governance import BudgetLedger, LedgerLimits, Reservation

    ledger = BudgetLedger(url, LedgerLimits(*limits), table_prefix=prefix, hold_ttl_s=ttl_s)
    ledger.usage(NOW)
    i = 0
    while True:
        op = f"k{worker}-{i}"
        tokens = 1 + (i * 7 + worker) % 20
        if isinstance(ledger.reserve(op, tokens, tokens * 0.001, NOW), Reservation) and i % 2 == 0:
            ledger.commit(op, tokens - 1, tokens * 0.0005)
        progress.value += 1
        i += 1


class ExactBackend:
    """Every call uses exactly prompt estimate + max_tokens: the most a governed call can use."""

    backend_name = "exact"
    model_id = "exact"
    needs_key = False
    key_env_var = None

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * 3 + output_tokens * 15) / 1_000_000

    def complete(self, messages, *, max_tokens: int, temperature: float, system=None):
        from cert_core.llm.completion import Completion, to_messages
        from cert_core.llm.governed import estimate_tokens

        prompt = estimate_tokens((system or "") + "".join(m.content for m in to_messages(messages)))
        return Completion("x", prompt, max_tokens, "exact", 0.0, self.price(prompt, max_tokens), "exact")


def max_tokens_worker(url: str, prefix: str, budget: dict, worker: int, calls: int, start, results) -> None:
    """Governed calls that each use exactly max_tokens, with the seed's load pricing (its discount) on."""
    from cert_core.config.energy_governance import EnergyGovernanceConfig
    from cert_core.errors import BudgetExceeded
    from cert_core.governance import EnergyGovernanceController
    from cert_core.llm.governed import GovernedLLM
    from cert_core.observability import METRICS
    from cert_core.safety.breakers import BreakerRegistry
    from cert_core.config.circuit_breakers import CircuitBreakersConfig

    config = EnergyGovernanceConfig.model_validate({"budget_limits": budget})
    controller = EnergyGovernanceController.from_config(config, url, table_prefix=prefix, hold_ttl_s=600)
    controller.ledger.usage()
    breaker = BreakerRegistry.from_config(CircuitBreakersConfig()).get("fusion_primary")
    llm = GovernedLLM(ExactBackend(), controller, breaker)
    start.wait()
    ok = denied = 0
    for i in range(calls):
        try:
            llm.complete(f"worker {worker} asks question {i} about refunds", operation_id=f"m{worker}-{i}",
                         max_tokens=40 + (i % 5) * 10, temperature=0.0)
            ok += 1
        except BudgetExceeded:
            denied += 1
    over = sum(METRICS.registry.get_sample_value("cert_budget_overcommits_total", {"kind": k}) or 0.0
               for k in ("over_reservation", "hourly_tokens", "daily_tokens", "hourly_cost", "daily_cost"))
    controller.close()
    results.put({"ok": ok, "denied": denied, "alarms": over})
