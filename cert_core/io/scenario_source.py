"""Read scenario rows from JSONL, YAML or Parquet in bounded groups, keeping every row's number.

JSONL is read a line at a time (cert_core.io.jsonl), Parquet in Arrow record batches, YAML whole but
size- and alias-bounded (cert_core.io.yaml_bounded). Rows come in groups of at most
``input_limits.batch_rows`` rows and about ``input_limits.group_bytes`` of input, so a caller that
handles one group at a time holds a bounded amount however big the file is.

A row that cannot be parsed (bad JSON, non-UTF-8 bytes, too long, not an object) becomes a RawRow
with ``error`` set, so it lands in scenario_rejects instead of stopping the batch. A file that
cannot be read at all, or holds no rows, is an InvalidInputError that fails the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.input_limits import InputLimits
from ..errors import InvalidInputError
from .input_file import check_input_path
from .jsonl import iter_jsonl, preview
from .yaml_bounded import load_yaml_file

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".yaml": "yaml", ".yml": "yaml", ".parquet": "parquet"}
HINT = "pass the path of a .jsonl, .yaml or .parquet file"


@dataclass(frozen=True)
class RawRow:
    source: str
    row_number: int  # 1-based line (JSONL) or item (YAML, Parquet) number
    data: dict[str, Any] | None
    raw: str | None = None
    error: str | None = None
    error_type: str = "InvalidInputError"


@dataclass(frozen=True)
class ScenarioGroup:
    """A bounded group of rows, and how much of the file has been read (0..1, for progress)."""

    rows: list[RawRow]
    fraction_read: float


def _item_row(source: str, number: int, item: Any) -> RawRow:
    if not isinstance(item, dict):
        return RawRow(source, number, None, preview(repr(item)), f"item {number} is a {type(item).__name__}, expected a mapping")
    try:
        shown = preview(json.dumps(item, default=str))
    except (ValueError, TypeError, RecursionError):
        shown = preview(repr(item))
    return RawRow(source, number, {str(k): v for k, v in item.items()}, shown)


def _jsonl_groups(path: Path, source: str, limits: InputLimits) -> Iterator[ScenarioGroup]:
    size = max(1, path.stat().st_size)
    rows: list[RawRow] = []
    held = 0
    offset = 0
    for line in iter_jsonl(path, limits.max_line_bytes, what="scenario file", hint=HINT):
        held += line.end_offset - offset
        offset = line.end_offset
        if not line.ok:
            rows.append(RawRow(source, line.line_number, None, line.raw, line.error))
        elif not isinstance(line.value, dict):
            rows.append(RawRow(source, line.line_number, None, line.raw,
                               f"line {line.line_number} is a JSON {type(line.value).__name__}, expected an object"))
        else:
            rows.append(RawRow(source, line.line_number, line.value, line.raw))
        if len(rows) >= limits.batch_rows or held >= limits.group_bytes:
            yield ScenarioGroup(rows, min(1.0, offset / size))
            rows, held = [], 0
    if rows:
        yield ScenarioGroup(rows, 1.0)


def _yaml_groups(path: Path, source: str, limits: InputLimits) -> Iterator[ScenarioGroup]:
    doc = load_yaml_file(path, max_bytes=limits.max_yaml_bytes, max_aliases=limits.max_yaml_aliases,
                         max_nodes=limits.max_yaml_nodes)
    if isinstance(doc, dict) and isinstance(doc.get("scenarios"), list):
        doc = doc["scenarios"]
    if doc is None:
        return
    if not isinstance(doc, list):
        raise InvalidInputError(f"{path} must hold a list of scenarios (or a mapping with a 'scenarios' list)")
    step = limits.batch_rows
    for start in range(0, len(doc), step):
        part = doc[start : start + step]
        yield ScenarioGroup([_item_row(source, start + i, item) for i, item in enumerate(part, start=1)],
                            min(1.0, (start + len(part)) / len(doc)))


def _parquet_groups(path: Path, source: str, limits: InputLimits) -> Iterator[ScenarioGroup]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        total = max(1, parquet.metadata.num_rows)
        number = 0
        for batch in parquet.iter_batches(batch_size=limits.batch_rows):
            items = batch.to_pylist()
            yield ScenarioGroup([_item_row(source, number + i, item) for i, item in enumerate(items, start=1)],
                                min(1.0, (number + len(items)) / total))
            number += len(items)
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:  # ArrowInvalid is a ValueError too
        raise InvalidInputError(f"{path} is not a readable Parquet file: {exc}"[:500]) from exc


def iter_scenario_groups(path: str | Path, limits: InputLimits) -> Iterator[ScenarioGroup]:
    """Every non-blank row of a scenario file, good or bad, in file order, in bounded groups."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    check_input_path(path, "scenario file", HINT)
    if fmt is None:
        raise InvalidInputError(f"{path}: unknown format {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    readers = {"jsonl": _jsonl_groups, "yaml": _yaml_groups, "parquet": _parquet_groups}
    seen_any = False
    for group in readers[fmt](path, str(path), limits):
        seen_any = seen_any or bool(group.rows)
        yield group
    if not seen_any:
        raise InvalidInputError(f"{path} contains no scenarios; add one JSON object per line (id, category, complexity)")


def read_scenario_rows(path: str | Path, limits: InputLimits | None = None) -> list[RawRow]:
    """All rows of a (small) scenario file at once; big files go through iter_scenario_groups."""
    return [row for group in iter_scenario_groups(path, limits or InputLimits()) for row in group.rows]


def flatten(groups: Iterable[ScenarioGroup]) -> Iterator[RawRow]:
    for group in groups:
        yield from group.rows
