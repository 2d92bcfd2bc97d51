"""Route N scenarios through the route-scenarios flow and through a plain loop, each side in its own
process so that its peak RSS is its own.

Baseline ("loop"): the same streamed cert_core pipeline with no Prefect: read the file in bounded
groups, validate and route each row once, drop duplicate ids, stage both datasets and publish them
together (great-expectations gate included), in one thread. Its process never imports Prefect.

Flow: `route_scenarios(...)` called in-process inside `cert_cli._common.prefect_for_cli()`, the
block `cert route` runs it in (its Prefect settings: no flow-run heartbeats; its logging: progress
lines to stderr and to the API). Each timed run counts the flow run's creation and state changes,
its task runs (config, one per chunk, publish, summary), the progress and summary artifacts and its
logs on Prefect's API. Not counted: the API server's start-up (one server, started here, serves every
flow process, as a running `prefect server` would; `cert route` without PREFECT_API_URL starts its
ephemeral API before the run starts) and click's option parsing. Each side warms up first (imports,
great-expectations, and for the flow one small run).

    python benchmarks/bench_routing.py --n 100000 --repeats 5 --rss-at 100000,1000000

Last line: {"scenarios", "repeats", "chunk_size", "flow_s_median", "loop_s_median", "flow_over_loop"
(ratio of the medians), "flow_over_loop_best", "flow_peak_rss_mb", "loop_peak_rss_mb",
"loop_us_per_scenario", "peak_rss_mb_at": {N: {"flow", "loop"}}}. Targets (issue 7): flow_over_loop
<= 1.2 at 100,000 and <= 1.5 at 10,000 (median of 5). Peak RSS is VmHWM of the side's process (the
API server apart); at the --rss-at sizes other than N it comes from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import emit, peak_rss_mb, setup

tmp = setup()

from scripts.make_sample_scenarios import realistic_rows  # noqa: E402


def write_scenarios(path: Path, n: int, seed: int) -> Path:
    if not path.exists():
        rng = random.Random(seed)
        with path.open("w") as f:
            for start in range(0, n, 100_000):  # in slices: the generator itself stays small
                rows = realistic_rows(rng, min(100_000, n - start), prefix=f"{start // 100_000}_")
                f.write("".join(json.dumps(r) + "\n" for r in rows))
    return path


def plain_pipeline(path: str, results_dir: str, run_id: str) -> int:
    """The loop baseline: the flow's cert_core steps in one thread, no Prefect."""
    from cert_core.config import load_config
    from cert_core.io import RunDatasets
    from cert_core.io.ids import SeenIds
    from cert_core.io.scenario_source import iter_scenario_groups
    from cert_core.routing import RuntimeRouter
    from cert_core.routing.records import RoutingTally, decision_rows, reject_rows
    from cert_core.routing.router import drop_duplicates, route_chunk

    config = load_config()
    router = RuntimeRouter.from_config(config)
    seen, tally = SeenIds(), RoutingTally()
    with RunDatasets(results_dir, run_id, ["routing_decisions", "scenario_rejects"]) as datasets:
        for group in iter_scenario_groups(path, config.input_limits):
            chunk = drop_duplicates(route_chunk(router, group.rows), seen)
            datasets["routing_decisions"].write(decision_rows(chunk.pairs, config.config_version, run_id))
            datasets["scenario_rejects"].write(reject_rows(chunk.rejects, config.config_version, run_id))
            tally.add(chunk.decisions, chunk.rejects)
        datasets.publish()
    return tally.routed


def side(name: str, path: str, warm: str, repeats: int, chunk_size: int, out: Path) -> dict:
    """One side's repeats, in this process; returns its times and peak RSS."""
    if name == "flow":
        from cert_cli._common import prefect_for_cli

        with prefect_for_cli():  # as `cert route` runs it; before Prefect is imported, as there
            from flows.route_scenarios import route_scenarios

            route_scenarios(scenarios_path=warm, results_dir=str(out / "warm"))
            chunking = {"chunk_size": chunk_size} if chunk_size else {}
            return timed(lambda i: route_scenarios(scenarios_path=path, results_dir=str(out / f"{i}"),
                                                   **chunking).routed, repeats)
    plain_pipeline(warm, str(out / "warm"), "warm")
    return timed(lambda i: plain_pipeline(path, str(out / f"{i}"), f"loop{i}"), repeats)


def timed(run, repeats: int) -> dict:
    times, routed = [], 0
    for i in range(repeats):
        started = time.perf_counter()
        routed = run(i)
        times.append(time.perf_counter() - started)
    return {"times": times, "routed": routed, "peak_rss_mb": peak_rss_mb()}


def run_side(name: str, path: Path, warm: Path, repeats: int, chunk_size: int, api_url: str, tag: str) -> dict:
    out = tmp / f"{name}-{tag}"
    env = {**os.environ, "PREFECT_API_URL": api_url}
    proc = subprocess.run([sys.executable, __file__, "--side", name, "--file", str(path), "--warm", str(warm),
                           "--repeats", str(repeats), "--chunk-size", str(chunk_size), "--out", str(out)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{name} side failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", "--scenarios", dest="n", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=0, help="scenarios per routing task; 0: the flow's default")
    parser.add_argument("--repeats", type=int, default=5, help="runs per side; the medians are compared")
    parser.add_argument("--rss-at", default="", help="comma-separated sizes to report peak RSS at (one run each)")
    parser.add_argument("--side", choices=["flow", "loop"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--warm", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.side:  # a child: one side's repeats
        print(json.dumps(side(args.side, args.file, args.warm, args.repeats, args.chunk_size, Path(args.out))))
        return

    from prefect.server.api.server import SubprocessASGIServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SubprocessASGIServer(port=port)
    print("starting a Prefect API server for the flow processes…", flush=True)
    server.start(timeout=300)
    try:
        warm = write_scenarios(tmp / "warm.jsonl", 20, 2)
        data = write_scenarios(tmp / f"scenarios-{args.n}.jsonl", args.n, 1)
        results = {}
        for name in ("loop", "flow"):
            results[name] = run_side(name, data, warm, args.repeats, args.chunk_size, server.api_url, "main")
            print(f"{name}: {', '.join(f'{t:.2f}s' for t in results[name]['times'])}; "
                  f"peak RSS {results[name]['peak_rss_mb']:.0f} MB", flush=True)
        assert results["loop"]["routed"] == results["flow"]["routed"] == args.n, results
        rss_at = {}
        for size in [int(s) for s in args.rss_at.split(",") if s.strip()]:
            path = data if size == args.n else write_scenarios(tmp / f"scenarios-{size}.jsonl", size, 1)
            rss_at[str(size)] = {}
            for name in ("loop", "flow"):
                figures = results[name] if size == args.n else run_side(name, path, warm, 1, args.chunk_size,
                                                                        server.api_url, str(size))
                rss_at[str(size)][name] = round(figures["peak_rss_mb"], 1)
                print(f"{size} scenarios, {name}: peak RSS {figures['peak_rss_mb']:.0f} MB, "
                      f"{figures['times'][0]:.1f}s", flush=True)
    finally:
        server.stop()

    flow_median = statistics.median(results["flow"]["times"])
    loop_median = statistics.median(results["loop"]["times"])
    emit({
        "scenarios": args.n,
        "repeats": args.repeats,
        "chunk_size": args.chunk_size or "flow default",
        "flow_s_median": round(flow_median, 3),
        "loop_s_median": round(loop_median, 3),
        "flow_over_loop": round(flow_median / loop_median, 3),
        "flow_over_loop_best": round(min(results["flow"]["times"]) / min(results["loop"]["times"]), 3),
        "flow_peak_rss_mb": round(results["flow"]["peak_rss_mb"], 1),
        "loop_peak_rss_mb": round(results["loop"]["peak_rss_mb"], 1),
        "loop_us_per_scenario": round(loop_median / args.n * 1e6, 1),
        "peak_rss_mb_at": rss_at,
    })


if __name__ == "__main__":
    main()
