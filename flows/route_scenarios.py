"""Flow: scenarios file -> validate -> route in chunks -> routing_decisions + scenario_rejects -> artifacts."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from cert_core.routing.records import decision_rows, reject_rows, summarise
from tasks.datasets import write_dataset_task
from tasks.routing import publish_routing_summary_task, read_scenarios_task, route_chunk_task, validate_scenarios_task

from ._runtime import chunked, flow_context, gather_chunks


@dataclass(frozen=True)
class RouteRunResult:
    run_id: str
    routed: int
    rejected: int
    config_version: str
    decisions_path: str
    rejects_path: str


@flow(name="route-scenarios", task_runner=ThreadPoolTaskRunner(max_workers=2), persist_result=False, log_prints=True)
def route_scenarios(
    scenarios_path: str = "data/scenarios/sample.jsonl",
    results_dir: str | None = None,
    env: str | None = None,
    config_dir: str | None = None,
    chunk_size: int = 2500,
) -> RouteRunResult:
    """Route every scenario of a file to a micro-overlay; writes routing_decisions and scenario_rejects.

    Args:
        scenarios_path: Scenario file (JSONL, YAML or Parquet), relative to the project root or absolute.
        results_dir: Folder for the Parquet datasets; empty uses CERT_RESULTS_DIR (default data/results).
        env: Config environment: development, staging or production (empty uses CERT_ENV).
        config_dir: Folder of the YAML configs; empty uses configs/fusion.
        chunk_size: Scenarios per routing task.
    """
    with flow_context(config_dir, env, results_dir) as run:
        config = run.config
        batch = read_scenarios_task(scenarios_path)
        checked = validate_scenarios_task(quote(batch), config)
        run.logger.info("validated %d rows: %d to route, %d rejected",
                        len(batch.rows), len(checked.valid), len(checked.rejects))
        chunks = chunked(checked.valid, chunk_size)
        # CPU-bound routing runs on the flow's own 2 threads
        results = gather_chunks(route_chunk_task, chunks, "routing-progress", config=config)
        pairs = [pair for chunk, routed in zip(chunks, results) for pair in zip(chunk, routed.decisions)]
        decisions = [d for _, d in pairs]
        written_decisions = write_dataset_task.submit(
            "routing_decisions", quote(decision_rows(pairs, config.config_version, run.run_id)), run.results_dir,
            run.run_id,
        )
        written_rejects = write_dataset_task.submit(
            "scenario_rejects", quote(reject_rows(checked.rejects, config.config_version, run.run_id)),
            run.results_dir, run.run_id,
        )
        paths = [str(written_decisions.result().path), str(written_rejects.result().path)]
        publish_routing_summary_task(summarise(decisions, checked.rejects), paths, config.config_version)
    return RouteRunResult(run.run_id, len(decisions), len(checked.rejects), config.config_version, *paths)
