"""Coordination on the loopback Messages API (real anthropic SDK, 200 ms per request), in one run.

1. `parallel_wall_over_ideal`: the parallel strategy on the governed path (budget ledger, breaker,
   the SDK, the retry loop and an in-process token-bucket limiter): N agents at once, then the
   aggregator; its wall time over the ideal of two request latencies, median over tasks (target
   <= 1.5). `parallel_flow_wall_over_ideal` is the same strategy's `duration_s` inside the flow,
   which adds Prefect's global concurrency limits (a lease per request), the call-llm task runs,
   and judging and consensus;
2. `coordinated_run` (all strategies, N agents, reference judge) on T tasks, through Prefect:
   `calls_over_vote` / `tokens_over_vote` per strategy, against the vote control's (the
   baseline's N independent answers);
3. the same run again: `cache_call_reduction` = 1 - requests(second) / requests(first), from the
   server's request log (the `llm_calls` column agrees);
4. `consensus_batched_speedup` at N agents: one batched encode of the N responses against a naive
   pairwise re-encode (each pair encoded again), median over response sets (target >= 3).

Usage: python benchmarks/bench_coordination.py [--tasks 6] [--agents 4] [--latency-ms 200]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import statistics
import time
from pathlib import Path

from _common import emit, setup

TMP = setup()

KEY = "sk-bench-not-a-real-key"


def _configs(folder: Path, agents: int):
    from tests.support.configs import config_copy

    return config_copy(folder / "cfg", {
        "llm": {"rate_limits": {"requests_per_minute": 60_000, "max_in_flight": 4 * agents,
                                "rpm_limit_name": "bench-coord-rpm", "in_flight_limit_name": "bench-coord-in-flight"}},
        "energy_governance": {"budget_limits": {"daily_token_limit": 100_000_000, "hourly_burst_limit": 50_000_000,
                                                "daily_cost_limit_usd": 1e6, "hourly_cost_limit_usd": 1e6}},
    })


def direct_parallel(args, configs) -> dict:
    """The parallel strategy on the governed path without Prefect (TokenBucketLimiter in process)."""
    from cert_core.config import get_settings, load_config
    from cert_core.coordination import BASELINE, CallLog, CoordinationTask, build_runtime
    from cert_core.coordination.strategies import StrategyContext, get_strategy
    from cert_core.llm import TokenBucketLimiter
    from tests.support.coordination import CoordinationScript
    from tests.support.fake_anthropic import FakeMessagesAPI

    config = load_config(configs)
    tasks = [CoordinationTask(f"p{i}", f"What is {i} times {i}?", str(i * i)) for i in range(args.tasks + 2)]
    script = CoordinationScript({t.task: t.reference for t in tasks})
    walls = []
    with FakeMessagesAPI(latency_s=args.latency_ms / 1000.0, replies=script) as api:
        os.environ["ANTHROPIC_BASE_URL"] = api.base_url
        runtime = build_runtime(config, get_settings(), "anthropic", "reference",
                                limiter=TokenBucketLimiter(1_000_000, 4 * args.agents))
        parallel = get_strategy("parallel")
        for n, task in enumerate(tasks):
            caller = runtime.caller(f"bench-{BASELINE}-{time.time_ns()}", task.id, CallLog())
            started = time.perf_counter()
            parallel.run(StrategyContext(task, args.agents, 1, config.coordination, caller))
            if n >= 2:  # the first two warm the connection pool and the ledger
                walls.append(time.perf_counter() - started)
        runtime.close()
    ideal = 2 * args.latency_ms / 1000.0
    return {"parallel_wall_s_median": round(statistics.median(walls), 4), "parallel_ideal_s": ideal,
            "parallel_wall_over_ideal": round(statistics.median(walls) / ideal, 4)}


def flow_figures(args, configs) -> dict:
    import pandas as pd

    from flows.coordination import coordinated_run
    from tests.support.coordination import CoordinationScript, write_tasks
    from tests.support.fake_anthropic import FakeMessagesAPI

    tasks = [{"id": f"b{i}", "task": f"What is {i} plus {i + 1}?", "reference": str(2 * i + 1)}
             for i in range(args.tasks)]
    script = CoordinationScript({t["task"]: t["reference"] for t in tasks}, wrong=frozenset({1}))
    path = write_tasks(TMP / "tasks.jsonl", tasks)
    with FakeMessagesAPI(latency_s=args.latency_ms / 1000.0, replies=script) as api:
        os.environ["ANTHROPIC_BASE_URL"] = api.base_url
        kwargs = dict(tasks_path=path, num_agents=args.agents, strategy="all", rounds=args.rounds,
                      backend="anthropic", judge="reference", config_dir=str(configs))
        started = time.perf_counter()
        first = coordinated_run(results_dir=str(TMP / "r1"), **kwargs)
        first_wall = time.perf_counter() - started
        api.wait_idle()
        first_requests = api.requests_seen
        second = coordinated_run(results_dir=str(TMP / "r2"), **kwargs)
        api.wait_idle()
        second_requests = api.requests_seen - first_requests
    runs = pd.read_parquet(first.coordination_runs_path)
    rerun = pd.read_parquet(second.coordination_runs_path)
    ok = runs[runs["status"] == "ok"]
    per = ok.groupby("strategy")[["llm_calls", "input_tokens", "output_tokens"]].sum()
    per["tokens"] = per["input_tokens"] + per["output_tokens"]
    vote = per.loc["vote"]
    ideal = 2 * args.latency_ms / 1000.0  # the agents at once, then the aggregator
    parallel = ok[ok["strategy"] == "parallel"]["duration_s"]
    print(f"first run {first_wall:.1f} s, {first_requests} requests; rerun {second_requests} requests; "
          f"parallel per task {parallel.median():.3f} s (ideal {ideal:.3f} s)", flush=True)
    return {
        "tasks": args.tasks, "agents": args.agents, "rounds": args.rounds, "server_latency_ms": args.latency_ms,
        "rows_ok": int(len(ok)), "rows": int(len(runs)),
        "parallel_flow_wall_s_median": round(float(parallel.median()), 4),
        "parallel_flow_wall_over_ideal": round(float(parallel.median()) / ideal, 4),
        "calls_per_task": {s: round(float(per.loc[s, "llm_calls"]) / args.tasks, 3) for s in per.index},
        "calls_over_vote": {s: round(float(per.loc[s, "llm_calls"] / vote["llm_calls"]), 4) for s in per.index},
        "tokens_over_vote": {s: round(float(per.loc[s, "tokens"] / vote["tokens"]), 4) for s in per.index},
        "first_run_requests": first_requests,
        "rerun_requests": second_requests,
        "rerun_llm_calls_column": int(rerun["llm_calls"].sum()),
        "cache_call_reduction": round(1 - second_requests / first_requests, 4),
    }


def consensus_figures(agents: int, sets: int = 7) -> dict:
    from cert_core.embedding import EmbeddingService

    service = EmbeddingService(cache_size=0)  # no cache: both ways really encode
    service.encode(["warm up the model"])
    batched, pairwise = [], []
    for s in range(sets):
        texts = [f"Response {s}-{i}: the answer is {s * 7 + i} because the steps add up that way." for i in range(agents)]
        started = time.perf_counter()
        rate = service.consensus(texts)
        batched.append(time.perf_counter() - started)
        started = time.perf_counter()
        sims = []
        for a, b in itertools.combinations(texts, 2):  # the naive way: every pair encoded again
            va, vb = service.encode([a]), service.encode([b])
            sims.append(float(va[0] @ vb[0]))
        pairwise.append(time.perf_counter() - started)
        assert abs(sum(sims) / len(sims) - rate) < 1e-5
    return {
        "consensus_agents": agents,
        "consensus_batched_ms_median": round(statistics.median(batched) * 1000, 3),
        "consensus_pairwise_ms_median": round(statistics.median(pairwise) * 1000, 3),
        "consensus_batched_speedup": round(statistics.median(pairwise) / statistics.median(batched), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    args = parser.parse_args()
    logging.getLogger("cert").setLevel(logging.ERROR)
    os.environ.update({"ANTHROPIC_API_KEY": KEY, "CERT_STATE_DIR": str(TMP / "state")})
    configs = _configs(TMP, args.agents)
    figures = direct_parallel(args, configs)
    print(f"parallel on the governed path: {figures['parallel_wall_s_median']} s per task "
          f"(ideal {figures['parallel_ideal_s']} s)", flush=True)
    figures |= flow_figures(args, configs)
    figures |= consensus_figures(args.agents)
    print(json.dumps({k: v for k, v in figures.items() if isinstance(v, dict)}, indent=1), flush=True)
    emit(figures)


if __name__ == "__main__":
    main()
