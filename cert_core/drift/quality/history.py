"""A metric's reference and recent windows from its Parquet dataset.

Only the metric's columns are read (pyarrow.dataset projection), so a million-row history costs
a few columns. Null and NaN values are dropped; the newest ``reference_rows + recent_rows`` rows
by time are kept: the last ``recent_rows`` are the recent window, the ones before them the
reference. A missing or empty dataset gives empty windows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ...config.drift_policy import QualityMetric
from ...errors import ConfigError
from ...io.parquet import dataset_path
from ...io.schemas import SCHEMAS

__all__ = ["metric_windows"]


def _columns(metric: QualityMetric) -> list[str]:
    schema = SCHEMAS.get(metric.dataset)
    if schema is None:
        raise ConfigError(f"drift_policy.yaml quality_drift metric {metric.name!r}: unknown dataset {metric.dataset!r}; "
                          f"use one of {', '.join(sorted(SCHEMAS))}")
    wanted = [metric.time_column, metric.column] + (["status"] if metric.only_ok else [])
    missing = [c for c in wanted if c not in schema.names]
    if missing:
        raise ConfigError(f"drift_policy.yaml quality_drift metric {metric.name!r}: {metric.dataset} has no column "
                          f"{', '.join(missing)}")
    return list(dict.fromkeys(wanted))


def metric_windows(metric: QualityMetric, results_dir: str | Path, reference_rows: int,
                   recent_rows: int) -> tuple[np.ndarray, np.ndarray]:
    columns = _columns(metric)
    path = dataset_path(metric.dataset, results_dir)
    empty = np.empty(0)
    if not path.is_dir():
        return empty, empty
    schema = SCHEMAS[metric.dataset]
    source = ds.dataset(path, format="parquet", partitioning="hive", exclude_invalid_files=True,
                        schema=pa.schema(list(schema) + [pa.field("date", pa.string())]))
    row_filter = (pc.field("status") == "ok") if metric.only_ok else None
    table = source.to_table(columns=columns, filter=row_filter)
    column = table[metric.column]
    if metric.flag_when_not is not None:
        values = pc.cast(pc.not_equal(column, metric.flag_when_not), pa.float64())
    else:
        values = pc.cast(column, pa.float64())
    keep = pc.and_(pc.is_valid(values), pc.invert(pc.is_nan(values)))
    keep = pc.and_(keep, pc.is_valid(table[metric.time_column]))
    table = pa.table({"t": table[metric.time_column], "v": values}).filter(keep)
    wanted = reference_rows + recent_rows
    if table.num_rows > wanted:
        table = table.take(pc.select_k_unstable(table, k=wanted, sort_keys=[("t", "descending")]))
    table = table.take(pc.sort_indices(table, sort_keys=[("t", "ascending")]))
    series = table["v"].to_numpy()
    return series[:-recent_rows] if len(series) > recent_rows else empty, series[-recent_rows:]
