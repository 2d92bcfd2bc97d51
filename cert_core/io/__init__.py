"""Parquet datasets: schemas, validation and atomic hive-partitioned writes."""

from .expectations import ValidationReport, validate_table
from .parquet import WrittenPart, dataset_path, read_dataset, to_table, write_dataset
from .schemas import SCHEMAS, schema_for

__all__ = [
    "SCHEMAS",
    "ValidationReport",
    "WrittenPart",
    "dataset_path",
    "read_dataset",
    "schema_for",
    "to_table",
    "validate_table",
    "write_dataset",
]
