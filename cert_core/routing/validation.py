"""Validate scenario rows, once each: a typed Scenario per row (Scenario.from_mapping), or a reject.

Every input row ends as exactly one of: a Scenario (to route) or a ScenarioReject (with the reason).
great-expectations is not run here; it gates the published datasets (cert_core.io.expectations).
Duplicate ids are found with SeenIds (128-bit digests), so a caller that validates a stream in
groups passes the same SeenIds to every group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import InvalidInputError
from ..io.ids import SeenIds
from ..io.scenario_source import RawRow
from .scenario import Scenario, normalise_id


@dataclass(frozen=True)
class ScenarioReject:
    source: str
    row_number: int
    scenario_id: str | None
    error_type: str
    error_message: str
    raw: str | None = None


@dataclass(frozen=True)
class ValidRow:
    source: str
    row_number: int
    scenario: Scenario


@dataclass(frozen=True)
class ValidatedScenarios:
    valid: list[ValidRow]
    rejects: list[ScenarioReject]


def validate_row(row: RawRow, categories: Sequence[str]) -> ValidRow | ScenarioReject:
    """One row to a ValidRow or a ScenarioReject; never raises for what is in the row."""
    if row.error is not None or row.data is None:
        return ScenarioReject(row.source, row.row_number, None, row.error_type, row.error or "no data", row.raw)
    sid = normalise_id(row.data.get("id"))
    try:
        return ValidRow(row.source, row.row_number, Scenario.from_mapping(row.data, categories))
    except InvalidInputError as exc:
        return ScenarioReject(row.source, row.row_number, _storable(sid), "InvalidInputError", exc.message, row.raw)
    except (ValueError, TypeError, RecursionError) as exc:  # a value pydantic cannot hold
        return ScenarioReject(row.source, row.row_number, _storable(sid), "InvalidInputError",
                              f"row {row.row_number} cannot be used: {str(exc)[:300]}", row.raw)


def _storable(sid: str | None) -> str | None:
    """A rejected id as the reject row keeps it: NUL bytes cannot be stored in every database."""
    return sid.replace("\x00", "\\x00")[:400] if sid is not None else None


def duplicate_reject(valid: ValidRow, seen: SeenIds, raw: str | None = None) -> ScenarioReject | None:
    """A reject when ``valid``'s id was seen before (and None, recording it, when it is new)."""
    first = seen.first_seen(valid.scenario.id, valid.row_number)
    if first is None:
        return None
    sid = valid.scenario.id
    return ScenarioReject(valid.source, valid.row_number, sid, "InvalidInputError",
                          f"duplicate id {sid!r} (first seen on row {first}); give each scenario a unique id", raw)


def validate_scenarios(rows: Iterable[RawRow], categories: Sequence[str], seen: SeenIds | None = None) -> ValidatedScenarios:
    seen = seen if seen is not None else SeenIds()
    valid: list[ValidRow] = []
    rejects: list[ScenarioReject] = []
    for row in rows:
        checked = validate_row(row, categories)
        if isinstance(checked, ValidRow):
            duplicate = duplicate_reject(checked, seen, row.raw)
            if duplicate is None:
                valid.append(checked)
                continue
            checked = duplicate
        rejects.append(checked)
    return ValidatedScenarios(valid, rejects)
