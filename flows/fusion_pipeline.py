"""Flow: scenarios → validate → per scenario (route → budget → tripwire params → LLM through the breaker
→ consumption → breach check) in chunks → fusion_runs + scenario_rejects → artifacts."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger, unmapped
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from cert_core.observability import correlation_id
from cert_core.routing.records import reject_rows
from tasks.config import load_config_task
from tasks.datasets import write_dataset_task
from tasks.fusion import (
    ensure_llm_limits_task,
    fuse_chunk_task,
    prepare_fusion_runtime_task,
    publish_fusion_summary_task,
)
from tasks.routing import read_scenarios_task, validate_scenarios_task

from ._runtime import Progress, chunked, current_run_id, resolve_results_dir, start_run_logging


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


@flow(name="fusion-pipeline", task_runner=ThreadPoolTaskRunner(max_workers=8), persist_result=False)
def fusion_pipeline(
    scenarios_path: str = "data/scenarios/sample.jsonl",
    backend: str = "auto",
    results_dir: str | None = None,
    env: str | None = None,
    config_dir: str | None = None,
    chunk_size: int | None = None,
    max_tokens: int | None = None,
    priority: str | None = None,
) -> FusionRunResult:
    start_run_logging()
    logger = get_run_logger()
    run_id = current_run_id()
    out_dir = resolve_results_dir(results_dir)
    with correlation_id(run_id):
        config = load_config_task(config_dir, env)
        ensure_llm_limits_task(config)
        name, model, reason = prepare_fusion_runtime_task(config, backend, max_tokens, priority)
        logger.info("LLM backend: %s (%s): %s", name.upper() if name == "simulated" else name, model, reason)
        batch = read_scenarios_task(scenarios_path)
        checked = validate_scenarios_task(quote(batch), config)
        # as many chunks as calls allowed in flight, so the limiter, not the chunking, sets the pace
        size = chunk_size or max(1, -(-len(checked.valid) // config.llm.rate_limits.max_in_flight))
        chunks = chunked(checked.valid, size)
        progress = Progress("fusion-progress", "chunks processed", len(chunks))
        futures = fuse_chunk_task.map(
            [quote(c) for c in chunks], unmapped(run_id), unmapped(config), unmapped(backend),
            unmapped(max_tokens), unmapped(priority),
        )
        outcomes = []
        for done, future in enumerate(futures, start=1):
            outcomes.extend(future.result())
            progress.advance(done)
            logger.info("processed chunk %d/%d (%d scenarios)", done, len(chunks), len(outcomes))
        written = write_dataset_task.submit(
            "fusion_runs", quote([o.as_row(config.config_version, run_id) for o in outcomes]), out_dir, run_id
        )
        rejects = write_dataset_task.submit(
            "scenario_rejects", quote(reject_rows(checked.rejects, config.config_version, run_id)), out_dir, run_id
        )
        paths = [str(written.result().path), str(rejects.result().path)]
        publish_fusion_summary_task(quote(outcomes), name, reason, paths)
    by_status: dict[str, int] = {}
    for o in outcomes:
        by_status[o.status] = by_status.get(o.status, 0) + 1
    return FusionRunResult(run_id, name, reason, len(outcomes), by_status, len(checked.rejects), *paths)
