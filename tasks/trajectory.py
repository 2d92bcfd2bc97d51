"""Prefect tasks around cert_core.trajectory (no domain logic here).

A scoring task takes a chunk of chains and returns one ChainResult per chain; failures of single
chains are already error results. The model is not a task input: each worker process keeps one
loaded copy (a process resource, cert_core.trajectory.get_analyzer), so it is loaded once, not
once per chunk. Checking the model and reading the input are not retried: their errors (unknown
model, missing file) are the user's to fix, and they fail the run with the CertError's message.
"""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from cert_core.config.trajectory import TrajectoryConfig
from cert_core.trajectory import ChainFile, ChainInput, ChainResult, get_analyzer, read_chains
from cert_core.trajectory.model_resource import TRAJECTORY_MODEL_SETTING, resolve_model_source
from cert_core.trajectory.summary import TrajectoryRunSummary, summarize, table_rows, worst_chains


@task(name="trajectory-check-model", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def check_model_task(model: str) -> str:
    return resolve_model_source(model, TRAJECTORY_MODEL_SETTING)


@task(name="trajectory-read-chains", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def read_chains_task(chains_path: str, max_chain_length: int, max_chain_bytes: int) -> ChainFile:
    return read_chains(chains_path, max_chain_length, max_chain_bytes)


@task(name="trajectory-score-chunk", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def score_chunk_task(chunk: Sequence[ChainInput], config: TrajectoryConfig) -> list[ChainResult]:
    return get_analyzer(config).analyze(chunk, config)


@task(name="trajectory-publish-summary", tags=["trajectory"], cache_policy=NO_CACHE, retries=0)
def publish_trajectory_summary_task(results: Sequence[ChainResult], run_id: str, chains_path: str, model: str,
                                    outputs: dict[str, str], calibration: str | None = None) -> TrajectoryRunSummary:
    summary = summarize(results, run_id, chains_path, model, outputs, calibration)
    create_table_artifact(table_rows(results), key="trajectory-chains",
                          description=f"Per-chain trajectory scores ({summary.model})")
    create_markdown_artifact(summary.to_markdown(worst_chains(results)), key="trajectory-summary",
                             description="Trajectory scoring summary")
    return summary
