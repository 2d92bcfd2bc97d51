"""Flow: score a file of reasoning chains and publish trajectory_steps / trajectory_chains.

    config -> check model -> read chains -> score chunks (thread pool or Dask) -> write -> artifacts

Chunks of chains are the task unit (never one task per chain). A chunk whose task fails becomes
error rows for its chains. The per-batch timeout is enforced inside the scoring engine, between
forward passes (a running forward pass cannot be interrupted), and gives TimeoutExceeded rows.
A missing or unreadable input, or an unknown model, fails the run with the CertError's message.
"""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow
from prefect.utilities.annotations import quote

from cert_core.paths import project_path
from cert_core.trajectory import chain_rows, failed_chunk_results, reject_results, step_rows
from cert_core.trajectory.analyzer import thresholds_for
from cert_core.trajectory.summary import TrajectoryRunSummary
from tasks.datasets import write_dataset_task
from tasks.trajectory import check_model_task, publish_trajectory_summary_task, read_chains_task, score_chunk_task

from ._runtime import RunnerName, chunked, flow_context, gather_chunks, make_task_runner

DEFAULT_CHAINS = "data/trajectories/chains.jsonl"
WORKERS = 2  # scoring is CPU-bound: one forward pass per core


@flow(name="trajectory-batch", persist_result=False)
def trajectory_batch(
    chains_path: str = DEFAULT_CHAINS,
    model: str | None = None,
    batch_size: int | None = None,
    task_runner: RunnerName = "thread",
    dask_address: str | None = None,
    results_dir: str | None = None,
    env: str | None = None,
    chunk_size: int | None = None,
    config_dir: str | None = None,
) -> TrajectoryRunSummary:
    """Score every chain in a JSONL file; each input chain ends in trajectory_chains exactly once."""
    with flow_context(config_dir, env, results_dir) as run:
        scoring = run.config.trajectory.with_overrides(model=model, batch_size=batch_size)
        check_model_task(scoring.model)
        calibration = thresholds_for(scoring)  # an old-format calibration fails here, saying to recalibrate
        calibration_note = calibration.describe() if calibration else None
        chain_file = read_chains_task(str(project_path(chains_path)), scoring.max_chain_length)
        chunks = chunked(chain_file.chains, chunk_size or scoring.chunk_size)
        run.logger.info("scoring %d chains in %d chunks with %s", len(chain_file.chains), len(chunks), scoring.model)
        with make_task_runner(task_runner, dask_address, WORKERS) as runner:
            scored = gather_chunks(score_chunk_task, chunks, "trajectory-progress", runner=runner, config=scoring,
                                   on_failure=lambda chunk, error: failed_chunk_results(chunk, scoring.model, error))
        results = reject_results(chain_file.rejects, scoring.model) + [r for chunk in scored for r in chunk]
        steps = write_dataset_task.submit("trajectory_steps", quote(step_rows(results, run.run_id)), run.results_dir,
                                          run.run_id)
        chains = write_dataset_task.submit(
            "trajectory_chains",
            quote(chain_rows(results, run.run_id, run.config.config_version, datetime.now(timezone.utc))),
            run.results_dir, run.run_id,
        )
        outputs = {"trajectory_steps": str(steps.result().path), "trajectory_chains": str(chains.result().path)}
        summary = publish_trajectory_summary_task(quote(results), run.run_id, chains_path, scoring.model, outputs,
                                                  calibration_note)
        if summary.n_outside_calibration:
            run.logger.warning("%d chains are far outside the calibration (%s); their verdicts are unreliable: "
                               "run `cert trajectory calibrate --chains GOOD.jsonl` on good chains like them",
                               summary.n_outside_calibration, calibration_note)
        run.logger.info("trajectory run done: %d ok, %d errors, %d passed, %d failed", summary.n_ok, summary.n_error,
                        summary.n_passed, summary.n_failed)
    return summary


def run_demo(results_dir: str | None = None) -> TrajectoryRunSummary:
    """What `make demo` runs: the sample chains with the committed tiny model, thread runner."""
    return trajectory_batch(results_dir=results_dir)


if __name__ == "__main__":
    print(run_demo().to_markdown())
