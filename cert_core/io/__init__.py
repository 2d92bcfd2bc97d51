"""Inputs (bounded readers) and Parquet datasets (schemas, validation, atomic hive-partitioned writes)."""

from .expectations import ValidationReport, validate_table
from .parquet import (
    DatasetStage,
    RunDatasets,
    StagedPart,
    WrittenPart,
    dataset_path,
    publish_parts,
    read_dataset,
    to_table,
    write_dataset,
    write_datasets,
)
from .schemas import SCHEMAS, schema_for

__all__ = [
    "SCHEMAS",
    "DatasetStage",
    "RunDatasets",
    "StagedPart",
    "ValidationReport",
    "WrittenPart",
    "dataset_path",
    "publish_parts",
    "read_dataset",
    "schema_for",
    "to_table",
    "validate_table",
    "write_dataset",
    "write_datasets",
]
