"""Flow: score a file of reasoning chains and publish trajectory_steps / trajectory_chains.

    settings -> check model -> [read chains -> score chunks] (thread pool or Dask) -> write -> artifacts

Chunks of chains are the task unit (never one task per chain). A chunk whose task fails becomes
error rows for its chains. The per-batch timeout is enforced inside the scoring engine, between
forward passes (a running forward pass cannot be interrupted), and gives TimeoutExceeded rows.
A missing or unreadable input, or an unknown model, fails the run with the CertError's message.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from cert_core.config import get_settings
from cert_core.errors import ConfigError, ResourceLoadError
from cert_core.observability import correlation_id
from cert_core.trajectory import ChainResult, TrajectorySettings, chunk_failure_results, reject_results
from cert_core.trajectory.summary import TrajectoryRunSummary
from tasks.trajectory import (
    check_model_task,
    publish_artifacts_task,
    read_chains_task,
    resolve_settings_task,
    score_chunk_task,
    write_results_task,
)

from ._runtime import start_run_logging

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CHAINS = REPO / "data" / "trajectories" / "chains.jsonl"
FATAL = (ResourceLoadError, ConfigError)  # the whole run cannot succeed: fail it with the message


def make_task_runner(task_runner: str, dask_address: str | None = None, max_workers: int = 2):
    if task_runner == "thread":
        return ThreadPoolTaskRunner(max_workers=max_workers)
    if task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    raise ConfigError(f"unknown task runner {task_runner!r}; use 'thread' or 'dask'")


@flow(name="trajectory-score-chains", log_prints=False)
def score_chain_file(chains_path: str, settings: TrajectorySettings, chunk_size: int) -> list[ChainResult]:
    """Read the file, map chunks onto scoring tasks, collect results as they finish, show progress.

    It takes the path rather than the chains so that no chain text goes into flow-run parameters.
    """
    logger = get_run_logger()
    chain_file = read_chains_task(chains_path, settings.max_chain_length)
    chunks = [chain_file.chains[i: i + chunk_size] for i in range(0, len(chain_file.chains), chunk_size)]
    logger.info("scoring %d chains in %d chunks with %s", len(chain_file.chains), len(chunks), settings.model)
    progress = create_progress_artifact(0.0, description=f"Scoring {len(chunks)} chunks with {settings.model}")
    futures = {score_chunk_task.submit(chunk, settings): index for index, chunk in enumerate(chunks)}
    by_chunk: dict[int, list[ChainResult]] = {}
    for done, future in enumerate(as_completed(list(futures)), start=1):
        index = futures[future]
        outcome = future.result(raise_on_failure=False)  # the chunk's results, or the exception it failed with
        if isinstance(outcome, FATAL):
            raise outcome
        if isinstance(outcome, BaseException):
            error_type = "TimeoutExceeded" if isinstance(outcome, TimeoutError) else type(outcome).__name__
            outcome = chunk_failure_results(chunks[index], settings.model, error_type, str(outcome))
        by_chunk[index] = outcome
        update_progress_artifact(progress, 100.0 * done / len(chunks))
        logger.info("chunk %d/%d scored (%d chains)", done, len(chunks), len(chunks[index]))
    scored = [result for index in range(len(chunks)) for result in by_chunk[index]]
    return reject_results(chain_file.rejects, settings.model) + scored


@flow(name="trajectory-batch")
def trajectory_batch(
    chains_path: str = str(DEFAULT_CHAINS),
    model: str | None = None,
    batch_size: int | None = None,
    task_runner: str = "thread",
    dask_address: str | None = None,
    results_dir: str | None = None,
    env: str | None = None,
    chunk_size: int | None = None,
    config_dir: str | None = None,
) -> TrajectoryRunSummary:
    """Score every chain in a JSONL file; each input chain ends in trajectory_chains exactly once."""
    start_run_logging()
    logger = get_run_logger()
    run_id = str(flow_run.id or "local")
    with correlation_id(run_id):
        settings, config_version, default_chunk = resolve_settings_task(model, batch_size, env, config_dir)
        runner = make_task_runner(task_runner, dask_address)
        check_model_task(settings.model)
        results = score_chain_file.with_options(task_runner=runner)(chains_path, settings, chunk_size or default_chunk)
        outputs = write_results_task(results, results_dir or str(get_settings().results_dir), run_id, config_version)
        summary = publish_artifacts_task(results, run_id, chains_path, settings.model, outputs)
    logger.info("trajectory run done: %d ok, %d errors, %d passed, %d failed", summary.n_ok, summary.n_error,
                summary.n_passed, summary.n_failed)
    return summary


def run_demo(results_dir: str | None = None) -> TrajectoryRunSummary:
    """What `make demo` runs: the sample chains with the committed tiny model, thread runner."""
    return trajectory_batch(chains_path=str(DEFAULT_CHAINS), results_dir=results_dir)


if __name__ == "__main__":
    print(run_demo().to_markdown())
