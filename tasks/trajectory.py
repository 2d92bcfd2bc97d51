"""Prefect tasks around cert_core.trajectory (no domain logic here).

A scoring task takes a chunk of chains and returns one ChainResult per chain; failures of single
chains are already error results. The model is not a task input: each worker process keeps one
loaded copy (cert_core.trajectory.get_analyzer), so it is loaded once, not once per chunk.
Reading the input and resolving the model are not retried: their errors (missing file, unknown
model) are the user's to fix, and they fail the run with the CertError's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from cert_core.config import load_config
from cert_core.io import write_dataset
from cert_core.trajectory import (
    ChainFile,
    ChainInput,
    ChainResult,
    TrajectorySettings,
    chain_rows,
    get_analyzer,
    read_chains,
    step_rows,
)
from cert_core.trajectory.model_resource import resolve_model_source
from cert_core.trajectory.summary import TrajectoryRunSummary, summarize, table_rows, worst_chains
from tasks.retry import retry_only_recoverable


@task(name="trajectory-settings", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def resolve_settings_task(model: str | None, batch_size: int | None, env: str | None,
                          config_dir: str | None = None) -> tuple[TrajectorySettings, str, int]:
    """Effective settings, config_version and chunk size from configs/fusion/trajectory.yaml."""
    config = load_config(config_dir, env)
    settings = TrajectorySettings.from_config(config, model=model, batch_size=batch_size)
    return settings, config.config_version, config.trajectory.chunk_size


@task(name="trajectory-check-model", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def check_model_task(model: str) -> str:
    return resolve_model_source(model)


@task(name="trajectory-read-chains", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def read_chains_task(chains_path: str, max_chain_length: int) -> ChainFile:
    return read_chains(chains_path, max_chain_length)


@task(name="trajectory-score-chunk", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def score_chunk_task(chains: Sequence[ChainInput], settings: TrajectorySettings) -> list[ChainResult]:
    return get_analyzer(settings).analyze(chains, settings)


@task(
    name="trajectory-write-results", tags=["trajectory", "parquet"], cache_policy=NO_CACHE, retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=retry_only_recoverable,
)
def write_results_task(results: Sequence[ChainResult], results_dir: str, run_id: str,
                       config_version: str) -> dict[str, str]:
    analyzed_at = datetime.now(timezone.utc)
    written = {}
    for dataset, rows in (
        ("trajectory_steps", step_rows(results, run_id)),
        ("trajectory_chains", chain_rows(results, run_id, config_version, analyzed_at)),
    ):
        part = write_dataset(dataset, rows, Path(results_dir), run_id)  # also counts rows_written
        written[dataset] = str(part.path)
    return written


@task(name="trajectory-publish-artifacts", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def publish_artifacts_task(results: Sequence[ChainResult], run_id: str, chains_path: str, model: str,
                           outputs: dict[str, str]) -> TrajectoryRunSummary:
    summary = summarize(results, run_id, chains_path, model, outputs)
    create_table_artifact(table_rows(results), key="trajectory-chains",
                          description=f"Per-chain trajectory scores ({summary.model})")
    create_markdown_artifact(summary.to_markdown(worst_chains(results)), key="trajectory-summary",
                             description="Trajectory scoring summary")
    return summary
