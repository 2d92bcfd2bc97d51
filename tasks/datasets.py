"""Publish rows to a Parquet dataset (validated, atomic)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from cert_core.io import WrittenPart, write_dataset
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
