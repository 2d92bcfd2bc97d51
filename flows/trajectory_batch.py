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
from tasks.datasets import write_datasets_task
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
    """Score every chain in a JSONL file; each input chain ends in trajectory_chains exactly once.

    Args:
        chains_path: JSONL file of reasoning chains, relative to the project root or absolute.
        model: Causal LM path or offline Hugging Face name; empty uses trajectory.yaml (the shipped tiny model).
        batch_size: Chains per forward pass; empty uses trajectory.yaml.
        task_runner: Where chunks run: thread (this process) or dask (a process LocalCluster, or dask_address).
        dask_address: Address of a running Dask scheduler (tcp://host:8786) when task_runner is dask.
        results_dir: Folder for the Parquet datasets; empty uses CERT_RESULTS_DIR (default data/results).
        env: Config environment: development, staging or production (empty uses CERT_ENV).
        chunk_size: Chains per scoring task; empty uses trajectory.yaml.
        config_dir: Folder of the YAML configs; empty uses configs/fusion.
    """
    with flow_context(config_dir, env, results_dir) as run:
        scoring = run.config.trajectory.with_overrides(model=model, batch_size=batch_size)
        check_model_task(scoring.model)
        calibration = thresholds_for(scoring)  # an old-format calibration fails here, saying to recalibrate
        calibration_note = calibration.describe() if calibration else None
        chain_file = read_chains_task(str(project_path(chains_path)), scoring.max_chain_length,
                                      run.config.input_limits.max_chain_bytes)
        chunks = chunked(chain_file.chains, chunk_size or scoring.chunk_size)
        run.logger.info("scoring %d chains in %d chunks with %s", len(chain_file.chains), len(chunks), scoring.model)
        with make_task_runner(task_runner, dask_address, WORKERS) as runner:
            scored = gather_chunks(score_chunk_task, chunks, "trajectory-progress", runner=runner, config=scoring,
                                   on_failure=lambda chunk, error: failed_chunk_results(chunk, scoring.model, error))
        results = reject_results(chain_file.rejects, scoring.model) + [r for chunk in scored for r in chunk]
        # both datasets publish together, or neither
        written = write_datasets_task(quote({
            "trajectory_steps": step_rows(results, run.run_id),
            "trajectory_chains": chain_rows(results, run.run_id, run.config.config_version, datetime.now(timezone.utc)),
        }), run.results_dir, run.run_id)
        outputs = {part.dataset: str(part.path) for part in written}
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
