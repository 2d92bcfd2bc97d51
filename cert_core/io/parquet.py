"""Write and read the hive-partitioned Parquet datasets.

Layout: <results_dir>/<dataset>/date=YYYY-MM-DD/part-<flow_run_id>.parquet
A part is validated and written to a hidden temp file in the same folder (readers skip names that
start with "."), then renamed into place, so readers never see a half-written file. A run's
datasets are renamed together after all are written (RunDatasets), so a failed run publishes none.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..errors import InvalidInputError, ResourceError
from ..observability.metrics import METRICS
from ..secrets import has_secrets, scrub_value
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
    if has_secrets():  # the last boundary before disk: no string cell carries a fragment of a key
        columns = {name: [scrub_value(v) for v in values] for name, values in columns.items()}
    try:
        return pa.Table.from_pydict(columns, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInputError(f"{dataset}: rows do not match the schema: {exc}") from exc


@dataclass(frozen=True)
class StagedPart:
    """A validated part written to a hidden temp file beside its final place, not yet published."""

    dataset: str
    tmp: Path
    final: Path
    rows: int


def _resource_error(dataset: str, folder: Path, exc: OSError) -> ResourceError:
    return ResourceError(
        f"cannot publish {dataset} to {folder}: {exc.strerror or exc}; check that the results dir "
        "is a writable folder (--results-dir or CERT_RESULTS_DIR)",
        context={"dataset": dataset, "folder": str(folder)},
    )


class DatasetStage:
    """One dataset part written in pieces: rows are buffered as Arrow tables and, every
    ``flush_bytes`` of them, validated (the great-expectations gate) and appended as a row group to
    a hidden temp file. Memory holds one buffer, however many rows pass through."""

    def __init__(self, dataset: str, results_dir: str | Path, run_id: str, *, flush_bytes: int = 8 << 20,
                 validate: bool = True, partition_date: date | None = None) -> None:
        self.dataset = dataset
        self.validate = validate
        self.flush_bytes = flush_bytes
        day = (partition_date or datetime.now(timezone.utc).date()).isoformat()
        self.folder = Path(results_dir) / dataset / f"date={day}"
        self.final = self.folder / f"part-{_SAFE_PART.sub('_', run_id)}.parquet"
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = None
        self._tmp: Path | None = None

    def write(self, rows: Iterable[Mapping[str, Any]] | pa.Table) -> None:
        table = to_table(self.dataset, rows)
        if table.num_rows:
            self._buffer.append(table)
            self._buffered += table.nbytes
        if self._buffered >= self.flush_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer and self._writer is not None:
            return
        table = pa.concat_tables(self._buffer) if self._buffer else schema_for(self.dataset).empty_table()
        self._buffer, self._buffered = [], 0
        if self.validate:
            require_valid(self.dataset, table)
        try:
            if self._writer is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=self.folder)
                os.close(fd)
                self._tmp = Path(tmp)
                self._writer = pq.ParquetWriter(self._tmp, table.schema)
            self._writer.write_table(table)
        except OSError as exc:
            self.discard()
            raise _resource_error(self.dataset, self.folder, exc) from exc
        self.rows += table.num_rows

    def close(self) -> StagedPart:
        """Flush and close the temp file; nothing is published yet."""
        self._flush()
        assert self._writer is not None and self._tmp is not None
        try:
            self._writer.close()
        except OSError as exc:
            self.discard()
            raise _resource_error(self.dataset, self.folder, exc) from exc
        self._writer = None
        return StagedPart(self.dataset, self._tmp, self.final, self.rows)

    def discard(self) -> None:
        """Drop what was written (a failed run publishes nothing)."""
        self._buffer, self._buffered = [], 0
        if self._writer is not None:
            try:
                self._writer.close()
            except OSError:
                pass  # the file is removed next; a close error changes nothing
            self._writer = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


def publish_parts(parts: Sequence[StagedPart]) -> list[WrittenPart]:
    """Rename every staged part into place, one run's datasets together, only once all are staged."""
    written = []
    for part in parts:
        try:
            os.replace(part.tmp, part.final)
        except OSError as exc:
            discard_parts(parts)
            raise _resource_error(part.dataset, part.final.parent, exc) from exc
        METRICS.rows_written.labels(part.dataset).inc(part.rows)
        written.append(WrittenPart(part.dataset, part.final, part.rows))
    return written


def discard_parts(parts: Sequence[StagedPart]) -> None:
    for part in parts:
        part.tmp.unlink(missing_ok=True)


class RunDatasets:
    """The datasets one run writes, published together: ``publish()`` renames every part into place
    once all are written and validated; leaving the ``with`` block without publishing (the run
    failed) removes them all, so a failed run publishes no part of any dataset."""

    def __init__(self, results_dir: str | Path, run_id: str, datasets: Sequence[str], *, flush_bytes: int = 8 << 20,
                 validate: bool = True, partition_date: date | None = None) -> None:
        self.stages = {name: DatasetStage(name, results_dir, run_id, flush_bytes=flush_bytes, validate=validate,
                                          partition_date=partition_date) for name in datasets}
        self.published: list[WrittenPart] | None = None

    def __getitem__(self, dataset: str) -> DatasetStage:
        return self.stages[dataset]

    def __enter__(self) -> RunDatasets:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.published is None:
            for stage in self.stages.values():
                stage.discard()

    def publish(self) -> list[WrittenPart]:
        parts: list[StagedPart] = []
        try:
            for stage in self.stages.values():
                parts.append(stage.close())
        except BaseException:
            discard_parts(parts)
            raise
        self.published = publish_parts(parts)
        return self.published


def write_datasets(
    rows_by_dataset: Mapping[str, Iterable[Mapping[str, Any]] | pa.Table],
    results_dir: str | Path,
    run_id: str,
    *,
    partition_date: date | None = None,
    validate: bool = True,
) -> list[WrittenPart]:
    """Validate every dataset's rows, then publish them all, or none when any fails."""
    with RunDatasets(results_dir, run_id, list(rows_by_dataset), validate=validate,
                     partition_date=partition_date) as run:
        for name, rows in rows_by_dataset.items():
            run[name].write(rows)
        return run.publish()


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
    return write_datasets({dataset: rows}, results_dir, run_id, partition_date=partition_date, validate=validate)[0]


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
