"""LLM call path against the loopback Messages-API server (the real anthropic SDK, no network).

1. Concurrency: N governed calls (below), C at a time, each answered after L ms by the server.
   The ideal wall time is N / C * L; `wall_over_ideal` is measured wall time over that (target
   <= 1.5); `bare_sdk_wall_over_ideal` is the same for bare SDK calls.
2. Overhead: per-call time against a bare SDK call to the same server, with no server latency,
   so the ratios show what our layers cost:
   - `llm_layer_overhead_ratio`: validation + the retry loop + the token-bucket limiter + pricing;
   - `governance_overhead_ratio`: the fusion flow's governed path: budget allocation on the SQLite
     ledger (WAL, synchronous=FULL), the circuit breaker, record_consumption (ledger commit) and
     the tripwire's breach check (locked, atomically replaced state file), around that call.

Usage: python benchmarks/bench_llm.py [--calls 32] [--concurrency 8] [--latency-ms 200]
                                      [--overhead-calls 300]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anthropic  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from cert_core.config import load_config  # noqa: E402
from cert_core.config.energy_governance import BudgetLimits  # noqa: E402
from cert_core.config.llm import LLMConfig  # noqa: E402
from cert_core.fusion import token_delta_pct  # noqa: E402
from cert_core.governance import BudgetTripwire, EnergyGovernanceController  # noqa: E402
from cert_core.llm import AnthropicBackend, Completion, RetryPolicy, TokenBucketLimiter  # noqa: E402
from cert_core.safety import CircuitBreaker  # noqa: E402
from tests.support.fake_anthropic import FakeMessagesAPI  # noqa: E402

KEY = "sk-bench-not-a-real-key"
PROMPT = "Summarise the risk budget for scenario 42 in two sentences."


def governed_backend(api: FakeMessagesAPI, config: LLMConfig, concurrency: int) -> AnthropicBackend:
    # rpm far above what the run needs, so the limiter is exercised but not the bottleneck
    limiter = TokenBucketLimiter(1_000_000, concurrency)
    return AnthropicBackend(model=config.anthropic.model, api_key=SecretStr(KEY), limiter=limiter,
                            pricing=config.pricing, policy=RetryPolicy.from_settings(config.anthropic),
                            base_url=api.base_url, timeout_s=30.0)


def llm_call(backend: AnthropicBackend) -> Callable[[str], Completion]:
    def call(prompt: str) -> Completion:
        return backend.complete(prompt, max_tokens=64, temperature=0.0)

    return call


class Governance:
    """The budget, breaker, ledger and tripwire pieces the fusion pipeline wraps a call with."""

    def __init__(self, folder: Path) -> None:
        cfg = load_config()
        # caps far above the run, so every allocation is approved and measured the same way
        roomy = cfg.energy_governance.model_copy(update={"budget_limits": BudgetLimits(
            daily_token_limit=10**9, hourly_burst_limit=10**8, daily_cost_limit_usd=10**6, hourly_cost_limit_usd=10**6)})
        self.controller = EnergyGovernanceController.from_config(roomy, f"sqlite:///{folder / 'ledger.db'}")
        self.tripwire = BudgetTripwire.from_config(cfg.energy_governance.budget_tripwire, folder / "tripwire.json")
        self.breaker = CircuitBreaker("bench", cfg.circuit_breakers.circuit_breakers["fusion_primary"])

    def wrap(self, call: Callable[[str], Completion]) -> Callable[[str], Completion]:
        def governed(prompt: str) -> Completion:
            op = uuid.uuid4().hex
            allocation = self.controller.allocate_budget("bench", 600, "medium", category="financial_operations",
                                                         context={"scenario_complexity": 0.5}, operation_id=op)
            assert allocation.approved, allocation.reason
            completion = self.breaker.call(call, prompt)
            self.controller.record_consumption(op, completion.total_tokens, True, cost_usd=completion.cost_usd)
            self.tripwire.check_budget_breach(token_delta_pct(completion.total_tokens, 600))
            return completion

        return governed


def bare_call(client: anthropic.Anthropic, model: str) -> Callable[[str], object]:
    def call(prompt: str):
        return client.messages.create(model=model, max_tokens=64, messages=[{"role": "user", "content": prompt}])

    return call


def timed_concurrent(call: Callable[[str], object], calls: int, concurrency: int) -> float:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(call, [PROMPT] * concurrency))  # warm the connection pool
        started = time.perf_counter()
        list(pool.map(call, [f"{PROMPT} ({i})" for i in range(calls)]))
        return time.perf_counter() - started


def per_call_ms(call: Callable[[str], object], calls: int) -> list[float]:
    times = []
    for i in range(calls):
        started = time.perf_counter()
        call(f"{PROMPT} ({i})")
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--overhead-calls", type=int, default=300)
    args = parser.parse_args()
    logging.getLogger("cert").setLevel(logging.ERROR)
    config = load_config().llm
    model = config.anthropic.model

    gov = Governance(Path(tempfile.mkdtemp(prefix="cert-bench-llm-")))
    with FakeMessagesAPI(latency_s=args.latency_ms / 1000.0) as api:
        ideal = args.calls / args.concurrency * args.latency_ms / 1000.0
        with governed_backend(api, config, args.concurrency) as backend:
            wall = timed_concurrent(gov.wrap(llm_call(backend)), args.calls, args.concurrency)
        with anthropic.Anthropic(api_key=KEY, base_url=api.base_url, max_retries=0) as client:
            bare_wall = timed_concurrent(bare_call(client, model), args.calls, args.concurrency)

    with FakeMessagesAPI(latency_s=0.0) as api:
        with governed_backend(api, config, 1) as backend, \
                anthropic.Anthropic(api_key=KEY, base_url=api.base_url, max_retries=0) as client:
            layer, bare = llm_call(backend), bare_call(client, model)
            governed = gov.wrap(layer)
            per_call_ms(governed, 20), per_call_ms(layer, 20), per_call_ms(bare, 20)  # warm-up
            governed_ms: list[float] = []
            layer_ms: list[float] = []
            bare_ms: list[float] = []
            block = max(1, args.overhead_calls // 10)
            for _ in range(10):  # interleave blocks so drift in machine load hits all alike
                governed_ms += per_call_ms(governed, block)
                layer_ms += per_call_ms(layer, block)
                bare_ms += per_call_ms(bare, block)
    gov.controller.close()

    result = {
        "calls": args.calls,
        "concurrency": args.concurrency,
        "server_latency_ms": args.latency_ms,
        "ideal_wall_s": round(ideal, 4),
        "wall_s": round(wall, 4),
        "wall_over_ideal": round(wall / ideal, 4),
        "bare_sdk_wall_over_ideal": round(bare_wall / ideal, 4),
        "governed_call_ms_median": round(statistics.median(governed_ms), 3),
        "llm_layer_call_ms_median": round(statistics.median(layer_ms), 3),
        "bare_sdk_call_ms_median": round(statistics.median(bare_ms), 3),
        "governance_overhead_ratio": round(statistics.median(governed_ms) / statistics.median(bare_ms), 4),
        "governance_overhead_ms": round(statistics.median(governed_ms) - statistics.median(bare_ms), 3),
        "llm_layer_overhead_ratio": round(statistics.median(layer_ms) / statistics.median(bare_ms), 4),
        "governed_path": ["budget_allocation+ledger_reserve", "circuit_breaker", "validation", "retry_loop",
                          "token_bucket_limiter", "pricing", "ledger_commit", "tripwire_state_file"],
    }
    print(f"wall {wall:.3f} s for {args.calls} calls x {args.latency_ms:g} ms at {args.concurrency} concurrent "
          f"(ideal {ideal:.3f} s); per call: governed {result['governed_call_ms_median']} ms, "
          f"bare SDK {result['bare_sdk_call_ms_median']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
