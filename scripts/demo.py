"""`make demo`: run the main jobs end to end on embedded defaults.

Prefect runs on its ephemeral local API (SQLite) unless PREFECT_API_URL is set; inputs are
the shipped sample data; models are the ones the project ships. Results go to data/results/.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from cert_core.paths import PROJECT_ROOT

os.chdir(PROJECT_ROOT)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from cert_cli._common import (  # noqa: E402
    ad_hoc_run_settings,
    prepare_prefect_for_cli,
    show_flow_progress,
    silence_shutdown_noise,
)

prepare_prefect_for_cli()

RESULTS = os.environ.get("CERT_RESULTS_DIR", "data/results")
# The demo is a development run: configs/fusion/*_development.yaml apply (larger hourly budgets).
os.environ.setdefault("CERT_ENV", "development")
# A fresh budget ledger and tripwire per demo run, so a second run is not denied by the first's
# hourly usage. Set CERT_STATE_DIR to keep state between runs, as a deployment does.
if "CERT_STATE_DIR" not in os.environ:
    import tempfile

    os.environ["CERT_STATE_DIR"] = tempfile.mkdtemp(prefix="cert-demo-state-")


def step_route() -> str:
    from flows.route_scenarios import route_scenarios

    r = route_scenarios(scenarios_path="data/scenarios/sample.jsonl", results_dir=RESULTS)
    return f"routed {r.routed}, rejected {r.rejected} -> {Path(r.decisions_path).parent.parent}"


def step_fuse() -> str:
    from flows.fusion_pipeline import fusion_pipeline

    r = fusion_pipeline(scenarios_path="data/scenarios/sample.jsonl", results_dir=RESULTS)
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(r.by_status.items()))
    label = "SIMULATED backend (no LLM was called)" if r.backend == "simulated" else f"{r.backend} backend"
    return f"{label}: {statuses} -> {Path(r.fusion_runs_path).parent.parent}\n    backend choice: {r.backend_reason}"


def step_trajectory() -> str:
    from flows.trajectory_batch import run_demo

    s = run_demo(results_dir=RESULTS)
    return (f"{s.n_ok} chains scored ({s.n_passed} passed, {s.n_failed} failed the quality check, {s.n_error} error rows) "
            f"with {s.model} -> {RESULTS}/trajectory_chains\n    calibration: {s.calibration or 'none'}")


def step_coordinate() -> str:
    """Agents are the shipped local model (real sampling) on the arithmetic tasks, judged against references."""
    import json
    import tempfile

    from flows.coordination import DEFAULT_TASKS, coordinated_run

    arithmetic = [line for line in Path(DEFAULT_TASKS).read_text(encoding="utf-8").splitlines()
                  if line.strip() and json.loads(line).get("kind") == "arithmetic"]
    tasks = Path(tempfile.mkdtemp(prefix="cert-demo-tasks-")) / "arithmetic.jsonl"
    tasks.write_text("\n".join(arithmetic) + "\n", encoding="utf-8")
    r = coordinated_run(tasks_path=str(tasks), num_agents=3, strategy="all", rounds=2, backend="local",
                        judge="reference", results_dir=RESULTS)

    def num(value, fmt="{:.3f}"):
        return "n/a" if value is None else fmt.format(value)

    lines = [f"{r.tasks} arithmetic tasks, 3 agents on {r.model} ({r.backend}), {r.judge} judge, "
             f"{r.llm_calls} LLM calls -> {Path(r.coordination_runs_path).parent.parent}"]
    for s in r.summaries:
        ci = f" [{s.gamma_ci.low:.3f}, {s.gamma_ci.high:.3f}]" if s.gamma_ci else ""
        if s.gamma_n == 0:
            ci = " (undefined: no task had a non-zero judged baseline)"
        lines.append(f"    {s.strategy:<10} gamma {num(s.mean_gamma)}{ci} (n={s.gamma_n}, pooled {num(s.pooled_gamma)})"
                     f"  gain_over_vote {num(s.mean_gain_over_vote, '{:+.3f}')}  quality {num(s.mean_quality)}")
    return "\n".join(lines)


def step_drift() -> str:
    """The first scan makes the baseline (the demo's state dir is fresh); quality drift reads the
    results the steps above wrote."""
    from flows.drift_scan import drift_scan

    r = drift_scan(results_dir=RESULTS)
    tested = "; quality drift in " + ", ".join(r.quality_drifted) if r.quality_drifted else ""
    return f"{r.message} (severity {r.severity or 'none'}{tested}) -> {Path(r.drift_events_path).parent.parent}"


STEPS = [
    ("route scenarios to micro-overlays", step_route),
    ("fusion pipeline: route, budget, LLM call, tripwire", step_fuse),
    ("trajectory analysis: per-step perplexity, entropy, surprise", step_trajectory),
    ("coordination: sequential, parallel, debate vs independent agents and the vote", step_coordinate),
    ("drift scan: watched files and config against a baseline, quality drift over the results", step_drift),
]


def main() -> int:
    from cert_core.errors import CertError

    print(f"cert-flows demo: env {os.environ['CERT_ENV']}, results under {RESULTS}/, state in {os.environ['CERT_STATE_DIR']}")
    print(f"Prefect API: {os.environ.get('PREFECT_API_URL') or 'ephemeral (SQLite)'}")
    import flows.fusion_pipeline  # noqa: F401  (Prefect applies its logging config on import; adjust after)
    import flows.coordination  # noqa: F401
    import flows.trajectory_batch  # noqa: F401

    show_flow_progress()
    summary, failed = [], False
    with ad_hoc_run_settings():  # as the cert commands run flows: no heartbeat thread to wait for at exit
        for title, step in STEPS:
            print(f"\n==> {title}", flush=True)
            started = time.perf_counter()
            try:
                summary.append(f"{title}: {step()} ({time.perf_counter() - started:.1f}s)")
            except CertError as exc:
                failed = True
                summary.append(f"{title}: FAILED: {exc.error_type}: {exc.message}")
    silence_shutdown_noise()
    print("\nSummary")
    for line in summary:
        print(f"  - {line}")
    print("\nRead the results with pandas, pyarrow.dataset or DuckDB (the pip package has no duckdb program), e.g.\n"
          f"  .venv/bin/python -c \"import duckdb; print(duckdb.sql(\\\"select selected_overlay, count(*) from "
          f"read_parquet('{RESULTS}/routing_decisions/**/*.parquet', hive_partitioning=true) group by 1\\\").fetchall())\"")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
