"""Route 10,000 scenarios through the route-scenarios flow and through a plain loop, in one run.

Baseline ("loop"): the same cert_core pipeline with no Prefect: read the file, validate the batch,
route each scenario with one RuntimeRouter, write both datasets. The flow adds task runs,
chunking, state tracking and artifacts on Prefect's API. Both are timed warm: the API server
and great-expectations are started by a small warm-up run first (server start-up excluded).

Last line: {"scenarios", "flow_s", "loop_s", "route_only_loop_s", "flow_over_loop",
            "flow_overhead_per_scenario_ms", "routing_us_per_scenario", "flow_over_loop_median"}.
Target: flow_over_loop <= 1.5. flow_s/loop_s are best of --repeats; the medians are given too,
because a Prefect flow run ends by joining its heartbeat thread, which sleeps in 1 s steps, so
flow times scatter by up to a second.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from _common import emit, setup

tmp = setup()

from cert_core.config import load_config  # noqa: E402
from cert_core.io import write_dataset  # noqa: E402
from cert_core.io.scenario_source import read_scenario_rows  # noqa: E402
from cert_core.routing import RuntimeRouter, validate_scenarios  # noqa: E402
from cert_core.routing.records import decision_rows, reject_rows  # noqa: E402
from scripts.make_sample_scenarios import realistic_rows  # noqa: E402


def plain_pipeline(path: str, results_dir: str) -> tuple[int, float]:
    config = load_config()
    rows = read_scenario_rows(path)
    checked = validate_scenarios(rows, list(config.scenario_profiles.categories))
    router = RuntimeRouter.from_config(config)
    started = time.perf_counter()
    pairs = [(row, router.route_scenario(row.scenario)) for row in checked.valid]
    route_only = time.perf_counter() - started
    write_dataset("routing_decisions", decision_rows(pairs, config.config_version, "loop"), results_dir, "loop")
    write_dataset("scenario_rejects", reject_rows(checked.rejects, config.config_version, "loop"), results_dir, "loop")
    return len(pairs), route_only


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=2_500)
    parser.add_argument("--repeats", type=int, default=2, help="best of N for each side")
    args = parser.parse_args()

    data = tmp / "scenarios.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in realistic_rows(random.Random(1), args.scenarios)) + "\n")
    warm = tmp / "warm.jsonl"
    warm.write_text("\n".join(json.dumps(r) for r in realistic_rows(random.Random(2), 20)) + "\n")

    from flows.route_scenarios import route_scenarios

    print("warming up (Prefect API server, great-expectations)…", flush=True)
    route_scenarios(scenarios_path=str(warm), results_dir=str(tmp / "warm"))
    plain_pipeline(str(warm), str(tmp / "warm"))

    loop_times, route_only_times, flow_times = [], [], []
    for i in range(args.repeats):
        started = time.perf_counter()
        routed, route_only = plain_pipeline(str(data), str(tmp / f"loop{i}"))
        loop_times.append(time.perf_counter() - started)
        route_only_times.append(route_only)
        started = time.perf_counter()
        result = route_scenarios(scenarios_path=str(data), results_dir=str(tmp / f"flow{i}"), chunk_size=args.chunk_size)
        flow_times.append(time.perf_counter() - started)
        assert result.routed == routed == args.scenarios, (result.routed, routed)
        print(f"repeat {i + 1}: loop {loop_times[-1]:.2f}s, flow {flow_times[-1]:.2f}s", flush=True)

    loop_s, flow_s, route_only_s = min(loop_times), min(flow_times), min(route_only_times)
    emit(
        {
            "scenarios": args.scenarios,
            "chunk_size": args.chunk_size,
            "flow_s": round(flow_s, 3),
            "loop_s": round(loop_s, 3),
            "route_only_loop_s": round(route_only_s, 3),
            "flow_over_loop": round(flow_s / loop_s, 3),
            "flow_overhead_per_scenario_ms": round((flow_s - loop_s) / args.scenarios * 1000, 4),
            "routing_us_per_scenario": round(route_only_s / args.scenarios * 1e6, 1),
            "flow_s_median": round(statistics.median(flow_times), 3),
            "loop_s_median": round(statistics.median(loop_times), 3),
            "flow_over_loop_median": round(statistics.median(flow_times) / statistics.median(loop_times), 3),
        }
    )


if __name__ == "__main__":
    main()
