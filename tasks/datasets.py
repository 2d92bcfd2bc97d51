"""Publish a run's rows to Parquet datasets (validated, atomic, all of a run's datasets together)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from cert_core.io import RunDatasets, WrittenPart, write_dataset, write_datasets
from tasks.retry import retry_only_recoverable


@task(
    name="write-dataset",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=0.5),
    retry_condition_fn=retry_only_recoverable,
)
def write_dataset_task(dataset: str, rows: list[dict], results_dir: str, run_id: str) -> WrittenPart:
    return write_dataset(dataset, rows, results_dir, run_id)  # scrubbed of key fragments in cert_core.io


@task(
    name="write-datasets",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=0.5),
    retry_condition_fn=retry_only_recoverable,
)
def write_datasets_task(rows_by_dataset: dict[str, list[dict]], results_dir: str, run_id: str) -> list[WrittenPart]:
    """Validate every dataset, then publish them all, or none when one fails."""
    return write_datasets(rows_by_dataset, results_dir, run_id)


@task(name="publish-datasets", cache_policy=NONE)
def publish_datasets_task(datasets: RunDatasets) -> list[WrittenPart]:
    """Publish a streamed run's staged parts together (the last write of the run)."""
    return datasets.publish()
