"""Publish a run's rows to Parquet datasets (validated, atomic, all of a run's datasets together)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from cert_core.io import RunDatasets, WrittenPart, write_dataset, write_datasets
from cert_core.secrets import scrub_value
from tasks.retry import retry_only_recoverable


@task(
    name="write-dataset",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=0.5),
    retry_condition_fn=retry_only_recoverable,
)
def write_dataset_task(dataset: str, rows: list[dict], results_dir: str, run_id: str) -> WrittenPart:
    # the one scrub, at the last boundary before disk: no string cell carries a fragment of a key
    return write_dataset(dataset, [scrub_value(row) for row in rows], results_dir, run_id)


@task(
    name="write-datasets",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=0.5),
    retry_condition_fn=retry_only_recoverable,
)
def write_datasets_task(rows_by_dataset: dict[str, list[dict]], results_dir: str, run_id: str) -> list[WrittenPart]:
    """Validate every dataset, then publish them all, or none when one fails."""
    return write_datasets({name: [scrub_value(row) for row in rows] if isinstance(rows, list) else rows
                           for name, rows in rows_by_dataset.items()}, results_dir, run_id)


@task(name="publish-datasets", cache_policy=NONE)
def publish_datasets_task(datasets: RunDatasets) -> list[WrittenPart]:
    """Publish a streamed run's staged parts together (the last write of the run)."""
    return datasets.publish()
