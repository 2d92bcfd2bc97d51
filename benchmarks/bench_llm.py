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
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _common  # noqa: E402,F401  (puts the repo on sys.path)

import anthropic  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from cert_core.config import load_config  # noqa: E402
from cert_core.config.energy_governance import BudgetLimits  # noqa: E402
from cert_core.config.llm import LLMConfig  # noqa: E402
from cert_core.fusion import token_delta_pct  # noqa: E402
from cert_core.governance import BudgetTripwire, EnergyGovernanceController  # noqa: E402
from cert_core.llm import AnthropicBackend, Completion, GovernedLLM, TokenBucketLimiter  # noqa: E402
from cert_core.safety import CircuitBreaker  # noqa: E402
from tests.support.fake_anthropic import FakeMessagesAPI  # noqa: E402

KEY = "sk-bench-not-a-real-key"
PROMPT = "Summarise the risk budget for scenario 42 in two sentences."
MAX_TOKENS = 64


def governed_backend(api: FakeMessagesAPI, config: LLMConfig, concurrency: int) -> AnthropicBackend:
    # rpm far above what the run needs, so the limiter is exercised but not the bottleneck
    limiter = TokenBucketLimiter(1_000_000, concurrency)
    return AnthropicBackend(config, api_key=SecretStr(KEY), limiter=limiter, base_url=api.base_url)


def llm_call(backend: AnthropicBackend) -> Callable[[str], Completion]:
    def call(prompt: str) -> Completion:
        return backend.complete(prompt, max_tokens=MAX_TOKENS, temperature=0.0)

    return call


class Governance:
    """The fusion pipeline's governed call (GovernedLLM: budget hold, breaker, settlement) and its
    tripwire check, around a backend."""

    def __init__(self, folder: Path) -> None:
        cfg = load_config()
        # caps far above the run, so every allocation is approved and measured the same way
        roomy = cfg.energy_governance.model_copy(update={"budget_limits": BudgetLimits(
            daily_token_limit=10**9, hourly_burst_limit=10**8, daily_cost_limit_usd=10**6, hourly_cost_limit_usd=10**6)})
        self.controller = EnergyGovernanceController.from_config(roomy, f"sqlite:///{folder / 'ledger.db'}")
        self.tripwire = BudgetTripwire(cfg.energy_governance.budget_tripwire, folder / "tripwire.json")
        self.breaker = CircuitBreaker("bench", cfg.circuit_breakers.circuit_breakers["fusion_primary"])

    def wrap(self, backend: AnthropicBackend) -> Callable[[str], Completion]:
        llm = GovernedLLM(backend, self.controller, self.breaker)

        def governed(prompt: str) -> Completion:
            completion = llm.complete(prompt, operation_id=uuid.uuid4().hex, max_tokens=MAX_TOKENS, temperature=0.0,
                                      operation_type="bench", category="financial_operations",
                                      context={"scenario_complexity": 0.5})
            baseline = llm.prompt_tokens(prompt) + MAX_TOKENS
            self.tripwire.check_budget_breach(token_delta_pct(completion.total_tokens, baseline))
            return completion

        return governed


def bare_call(client: anthropic.Anthropic, model: str) -> Callable[[str], object]:
    def call(prompt: str):
        return client.messages.create(model=model, max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": prompt}])

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
            wall = timed_concurrent(gov.wrap(backend), args.calls, args.concurrency)
        with anthropic.Anthropic(api_key=KEY, base_url=api.base_url, max_retries=0) as client:
            bare_wall = timed_concurrent(bare_call(client, model), args.calls, args.concurrency)

    with FakeMessagesAPI(latency_s=0.0) as api:
        with governed_backend(api, config, 1) as backend, \
                anthropic.Anthropic(api_key=KEY, base_url=api.base_url, max_retries=0) as client:
            layer, bare = llm_call(backend), bare_call(client, model)
            governed = gov.wrap(backend)
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
