"""LLM call path against the loopback Messages-API server (the real anthropic SDK, no network).

1. Concurrency: N calls, C at a time, each answered after L ms by the server. The ideal wall time
   is N / C * L; `wall_over_ideal` is measured wall time over that (target <= 1.5).
2. Overhead: per-call time of the governed path against a bare SDK call to the same server,
   with no server latency, so the ratio shows what our layers cost. The governed path today is
   validation + the retry loop + the token-bucket limiter + pricing + metrics; `governed_call`
   is the place to add the breaker, budget allocation and ledger (the --governed section).

Usage: python benchmarks/bench_llm.py [--calls 32] [--concurrency 8] [--latency-ms 200]
                                      [--overhead-calls 300] [--governed]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anthropic  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from cert_core.config import load_config  # noqa: E402
from cert_core.config.llm import LLMConfig  # noqa: E402
from cert_core.llm import AnthropicBackend, Completion, RetryPolicy, TokenBucketLimiter  # noqa: E402
from tests.support.fake_anthropic import FakeMessagesAPI  # noqa: E402

KEY = "sk-bench-not-a-real-key"
PROMPT = "Summarise the risk budget for scenario 42 in two sentences."


def governed_backend(api: FakeMessagesAPI, config: LLMConfig, concurrency: int) -> AnthropicBackend:
    # rpm far above what the run needs, so the limiter is exercised but not the bottleneck
    limiter = TokenBucketLimiter(1_000_000, concurrency)
    return AnthropicBackend(model=config.anthropic.model, api_key=SecretStr(KEY), limiter=limiter,
                            pricing=config.pricing, policy=RetryPolicy.from_settings(config.anthropic),
                            base_url=api.base_url, timeout_s=30.0)


def governed_call(backend: AnthropicBackend, with_governance: bool) -> Callable[[str], Completion]:
    """The call the fusion flow makes. Extension point for --governed: wrap it with the circuit
    breaker, the budget allocation and the ledger's record_consumption once those exist."""

    def call(prompt: str) -> Completion:
        return backend.complete(prompt, max_tokens=64, temperature=0.0)

    if with_governance:
        pass  # to come: breaker.call(...) around `call`, allocate_budget before, record_consumption after
    return call


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
    parser.add_argument("--governed", action="store_true", help="wrap calls with breaker + budget + ledger")
    args = parser.parse_args()
    logging.getLogger("cert").setLevel(logging.ERROR)
    config = load_config().llm
    model = config.anthropic.model

    with FakeMessagesAPI(latency_s=args.latency_ms / 1000.0) as api:
        ideal = args.calls / args.concurrency * args.latency_ms / 1000.0
        with governed_backend(api, config, args.concurrency) as backend:
            wall = timed_concurrent(governed_call(backend, args.governed), args.calls, args.concurrency)
        with anthropic.Anthropic(api_key=KEY, base_url=api.base_url, max_retries=0) as client:
            bare_wall = timed_concurrent(bare_call(client, model), args.calls, args.concurrency)

    with FakeMessagesAPI(latency_s=0.0) as api:
        with governed_backend(api, config, 1) as backend, \
                anthropic.Anthropic(api_key=KEY, base_url=api.base_url, max_retries=0) as client:
            governed, bare = governed_call(backend, args.governed), bare_call(client, model)
            per_call_ms(governed, 20), per_call_ms(bare, 20)  # warm-up
            governed_ms: list[float] = []
            bare_ms: list[float] = []
            block = max(1, args.overhead_calls // 10)
            for _ in range(10):  # interleave blocks so drift in machine load hits both alike
                governed_ms += per_call_ms(governed, block)
                bare_ms += per_call_ms(bare, block)

    result = {
        "calls": args.calls,
        "concurrency": args.concurrency,
        "server_latency_ms": args.latency_ms,
        "ideal_wall_s": round(ideal, 4),
        "wall_s": round(wall, 4),
        "wall_over_ideal": round(wall / ideal, 4),
        "bare_sdk_wall_over_ideal": round(bare_wall / ideal, 4),
        "governed_call_ms_median": round(statistics.median(governed_ms), 3),
        "bare_sdk_call_ms_median": round(statistics.median(bare_ms), 3),
        "governance_overhead_ratio": round(statistics.median(governed_ms) / statistics.median(bare_ms), 4),
        "governance_overhead_ms": round(statistics.median(governed_ms) - statistics.median(bare_ms), 3),
        "governed_path": ["validation", "retry_loop", "token_bucket_limiter", "pricing", "metrics"]
        + (["breaker", "budget", "ledger"] if args.governed else []),
        "governed_flag": args.governed,
    }
    print(f"wall {wall:.3f} s for {args.calls} calls x {args.latency_ms:g} ms at {args.concurrency} concurrent "
          f"(ideal {ideal:.3f} s); per call: governed {result['governed_call_ms_median']} ms, "
          f"bare SDK {result['bare_sdk_call_ms_median']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
