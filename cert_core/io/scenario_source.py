"""Read scenario rows from JSONL, YAML or Parquet, keeping every row's number.

A row that cannot be parsed (bad JSON, non-UTF-8 bytes, not an object) becomes a RawRow with
``error`` set, so it lands in scenario_rejects instead of stopping the batch. A file that cannot
be read at all, or holds no rows, is an InvalidInputError that fails the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidInputError

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".yaml": "yaml", ".yml": "yaml", ".parquet": "parquet"}
_RAW_PREVIEW = 500


@dataclass(frozen=True)
class RawRow:
    source: str
    row_number: int  # 1-based line (JSONL) or item (YAML, Parquet) number
    data: dict[str, Any] | None
    raw: str | None = None
    error: str | None = None


def _preview(text: str) -> str:
    return text if len(text) <= _RAW_PREVIEW else text[:_RAW_PREVIEW] + "…"


def _read_jsonl(path: Path, source: str) -> list[RawRow]:
    rows = []
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not line.strip():
            continue  # blank lines are allowed anywhere
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            preview = line[:_RAW_PREVIEW].decode("utf-8", errors="replace")
            rows.append(RawRow(source, number, None, preview, f"line {number} is not valid UTF-8 (byte {exc.start}); save the file as UTF-8"))
            continue
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            rows.append(RawRow(source, number, None, _preview(text), f"line {number} is not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(data, dict):
            rows.append(RawRow(source, number, None, _preview(text), f"line {number} is a JSON {type(data).__name__}, expected an object"))
            continue
        rows.append(RawRow(source, number, data, _preview(text)))
    return rows


def _items_to_rows(items: list, source: str) -> list[RawRow]:
    rows = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            rows.append(RawRow(source, number, {str(k): v for k, v in item.items()}, _preview(json.dumps(item, default=str))))
        else:
            rows.append(RawRow(source, number, None, _preview(repr(item)), f"item {number} is a {type(item).__name__}, expected a mapping"))
    return rows


def _read_yaml(path: Path, source: str) -> list[RawRow]:
    try:
        doc = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{path} is not valid YAML: {exc}") from exc
    if isinstance(doc, dict) and isinstance(doc.get("scenarios"), list):
        doc = doc["scenarios"]
    if doc is None:
        return []
    if not isinstance(doc, list):
        raise InvalidInputError(f"{path} must hold a list of scenarios (or a mapping with a 'scenarios' list)")
    return _items_to_rows(doc, source)


def _read_parquet(path: Path, source: str) -> list[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        items = pq.read_table(path).to_pylist()
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInputError(f"{path} is not a readable Parquet file: {exc}") from exc
    return _items_to_rows(items, source)


@dataclass(frozen=True)
class ScenarioBatch:
    """Every row of one scenario file. A container, not a bare list: Prefect links a task's
    returned list item by item (10k rows cost ~0.3 s), but a container as one object."""

    source: str
    rows: list[RawRow]


def read_scenario_batch(path: str | Path) -> ScenarioBatch:
    return ScenarioBatch(str(path), read_scenario_rows(path))


def read_scenario_rows(path: str | Path) -> list[RawRow]:
    """All non-blank rows of a scenario file, good or bad, in file order."""
    path = Path(path)
    if not path.exists():
        raise InvalidInputError(f"scenario file {path} does not exist; pass the path of a .jsonl, .yaml or .parquet file")
    if not path.is_file():
        raise InvalidInputError(f"{path} is not a file; pass the path of a .jsonl, .yaml or .parquet file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInputError(f"{path}: unknown format {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    source = str(path)
    try:
        rows = {"jsonl": _read_jsonl, "yaml": _read_yaml, "parquet": _read_parquet}[fmt](path, source)
    except PermissionError as exc:
        raise InvalidInputError(f"{path} cannot be read (permission denied)") from exc
    if not rows:
        raise InvalidInputError(f"{path} contains no scenarios; add one JSON object per line (id, category, complexity)")
    return rows
