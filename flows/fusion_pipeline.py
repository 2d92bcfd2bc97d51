"""Flow: scenarios → validate → per scenario (route → budget → SLO/tripwire params → LLM through the
breaker → consumption → breach check) in chunks → fusion_runs + scenario_rejects → artifacts."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow
from prefect.utilities.annotations import quote

from cert_core.fusion import summarise_fusion
from cert_core.routing.records import reject_rows
from tasks.datasets import write_datasets_task
from tasks.fusion import (
    ensure_llm_limits_task,
    fuse_chunk_task,
    prepare_fusion_runtime_task,
    publish_fusion_summary_task,
)
from tasks.routing import load_scenarios_task

from ._runtime import RunnerName, chunked, flow_context, gather_chunks, make_task_runner


@dataclass(frozen=True)
class FusionRunResult:
    run_id: str
    backend: str
    backend_reason: str
    scenarios: int
    by_status: dict[str, int]
    rejected: int
    fusion_runs_path: str
    rejects_path: str


@flow(name="fusion-pipeline", persist_result=False)
def fusion_pipeline(
    scenarios_path: str = "data/scenarios/sample.jsonl",
    backend: str = "auto",
    results_dir: str | None = None,
    env: str | None = None,
    config_dir: str | None = None,
    chunk_size: int | None = None,
    max_tokens: int | None = None,
    priority: str | None = None,
    task_runner: RunnerName = "thread",
    dask_address: str | None = None,
) -> FusionRunResult:
    """Route, budget and call the LLM for every scenario of a file; writes fusion_runs and scenario_rejects.

    Args:
        scenarios_path: Scenario file (JSONL, YAML or Parquet), relative to the project root or absolute.
        backend: LLM backend: auto (anthropic if ANTHROPIC_API_KEY is set, else a configured local model, else simulated), anthropic, local or simulated.
        results_dir: Folder for the Parquet datasets; empty uses CERT_RESULTS_DIR (default data/results).
        env: Config environment: development, staging or production (empty uses CERT_ENV).
        config_dir: Folder of the YAML configs; empty uses configs/fusion.
        chunk_size: Scenarios per task; empty gives one chunk per LLM call allowed in flight.
        max_tokens: Output tokens per call; empty uses llm.fusion.max_tokens.
        priority: Budget priority (critical, high, medium or low); empty uses llm.fusion.priority.
        task_runner: Where chunks run: thread (this process) or dask (a process LocalCluster, or dask_address).
        dask_address: Address of a running Dask scheduler (tcp://host:8786) when task_runner is dask.
    """
    with flow_context(config_dir, env, results_dir) as run:
        config = run.config
        ensure_llm_limits_task(config)
        name, model, reason = prepare_fusion_runtime_task(config, backend, max_tokens, priority)
        run.logger.info("LLM backend: %s (%s): %s", name.upper() if name == "simulated" else name, model, reason)
        checked = load_scenarios_task(scenarios_path, config)
        # as many chunks as calls allowed in flight, so the limiter, not the chunking, sets the pace
        workers = config.llm.rate_limits.max_in_flight
        chunks = chunked(checked.valid, chunk_size or max(1, -(-len(checked.valid) // workers)))
        with make_task_runner(task_runner, dask_address, workers) as runner:
            results = gather_chunks(fuse_chunk_task, chunks, "fusion-progress", runner=runner, run_id=run.run_id,
                                    config=config, backend=backend, max_tokens=max_tokens, priority=priority)
        rows = [o.as_row(config.config_version, run.run_id) for outcomes in results for o in outcomes]
        # both datasets publish together: a failed run leaves no scenario_rejects part behind
        written = write_datasets_task(
            quote({"fusion_runs": rows,
                   "scenario_rejects": reject_rows(checked.rejects, config.config_version, run.run_id)}),
            run.results_dir, run.run_id,
        )
        paths = [str(part.path) for part in written]
        summary = summarise_fusion(rows)
        publish_fusion_summary_task(summary, quote(rows), config, name, reason, paths)
    return FusionRunResult(run.run_id, name, reason, summary.scenarios, summary.by_status, len(checked.rejects),
                           *paths)
