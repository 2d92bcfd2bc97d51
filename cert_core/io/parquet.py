"""Write and read the hive-partitioned Parquet datasets.

Layout: <results_dir>/<dataset>/date=YYYY-MM-DD/part-<flow_run_id>.parquet
A part is written to a temp file in the same folder, validated, then renamed into place,
so readers never see a half-written file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..errors import InvalidInputError, ResourceError
from ..observability.metrics import METRICS
from .expectations import require_valid
from .schemas import schema_for

_SAFE_PART = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass(frozen=True)
class WrittenPart:
    dataset: str
    path: Path
    rows: int


def to_table(dataset: str, rows: Iterable[Mapping[str, Any]] | pa.Table) -> pa.Table:
    """Cast rows to the dataset's schema; unknown keys are dropped, missing nullable ones are null."""
    schema = schema_for(dataset)
    if isinstance(rows, pa.Table):
        missing = [f.name for f in schema if f.name not in rows.column_names]
        for name in missing:
            rows = rows.append_column(name, pa.nulls(rows.num_rows, schema.field(name).type))
        return rows.select(schema.names).cast(schema)
    rows = list(rows)
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    try:
        return pa.Table.from_pydict(columns, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInputError(f"{dataset}: rows do not match the schema: {exc}") from exc


def write_dataset(
    dataset: str,
    rows: Iterable[Mapping[str, Any]] | pa.Table,
    results_dir: str | Path,
    run_id: str,
    *,
    partition_date: date | None = None,
    validate: bool = True,
) -> WrittenPart:
    """Validate and atomically publish one part of ``dataset``. Returns where it went."""
    table = to_table(dataset, rows)
    if validate:
        require_valid(dataset, table)
    day = (partition_date or datetime.now(timezone.utc).date()).isoformat()
    folder = Path(results_dir) / dataset / f"date={day}"
    final = folder / f"part-{_SAFE_PART.sub('_', run_id)}.parquet"
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=folder)
        os.close(fd)
        pq.write_table(table, tmp)
        os.replace(tmp, final)
    except OSError as exc:
        raise ResourceError(
            f"cannot publish {dataset} to {folder}: {exc.strerror or exc}; check that the results dir "
            "is a writable folder (--results-dir or CERT_RESULTS_DIR)",
            context={"dataset": dataset, "folder": str(folder)},
        ) from exc
    finally:
        if tmp is not None and Path(tmp).exists():
            Path(tmp).unlink()
    METRICS.rows_written.labels(dataset).inc(table.num_rows)
    return WrittenPart(dataset, final, table.num_rows)


def dataset_path(dataset: str, results_dir: str | Path) -> Path:
    return Path(results_dir) / dataset


def read_dataset(dataset: str, results_dir: str | Path) -> pa.Table:
    """Read every part of a dataset with hive partitioning (adds the ``date`` column)."""
    path = dataset_path(dataset, results_dir)
    schema = schema_for(dataset)
    if not path.is_dir():
        return schema.empty_table()
    part_schema = pa.schema(list(schema) + [pa.field("date", pa.string())])
    return ds.dataset(
        path, format="parquet", partitioning="hive", schema=part_schema, exclude_invalid_files=True
    ).to_table()
