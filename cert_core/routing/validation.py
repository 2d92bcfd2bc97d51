"""Validate a batch of scenario rows: great-expectations for the batch, then a typed Scenario per row.

Every input row ends as exactly one of: a Scenario (to route) or a ScenarioReject (with the reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InvalidInputError
from ..io.expectations import gx_expectations, run_expectations
from ..io.scenario_source import RawRow
from .scenario import Scenario, as_complexity, normalise_id, scenario_problems


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


def _batch_failures(rows: list[RawRow], categories: Sequence[str]) -> dict[int, list[str]]:
    """Row index -> failed expectation names, from one great-expectations pass over the batch."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": [normalise_id(r.data.get("id")) for r in rows],
            "category": [r.data.get("category") if isinstance(r.data.get("category"), str) else None for r in rows],
            "complexity": pd.array([as_complexity(r.data.get("complexity")) for r in rows], dtype="Float64"),
        }
    )
    gxe = gx_expectations()
    checks = [
        ("id is missing", gxe.ExpectColumnValuesToNotBeNull(column="id")),
        ("category", gxe.ExpectColumnValuesToBeInSet(column="category", value_set=list(categories))),
        ("category", gxe.ExpectColumnValuesToNotBeNull(column="category")),
        ("complexity", gxe.ExpectColumnValuesToNotBeNull(column="complexity")),
        ("complexity", gxe.ExpectColumnValuesToBeBetween(column="complexity", min_value=0.0, max_value=1.0)),
    ]
    results = run_expectations("cert_scenarios", frame, [e for _, e in checks], result_format="COMPLETE")
    failures: dict[int, list[str]] = {}
    for (label, _), result in zip(checks, results):
        for index in result.result.get("unexpected_index_list") or []:
            failures.setdefault(int(index), []).append(label)
    return failures


def validate_scenarios(rows: Sequence[RawRow], categories: Sequence[str]) -> ValidatedScenarios:
    valid: list[ValidRow] = []
    rejects: list[ScenarioReject] = []
    parsed = [r for r in rows if r.error is None]
    for r in rows:
        if r.error is not None:
            rejects.append(ScenarioReject(r.source, r.row_number, None, "InvalidInputError", r.error, r.raw))
    failures = _batch_failures(parsed, categories) if parsed else {}
    seen: dict[str, int] = {}
    for index, row in enumerate(parsed):
        sid = normalise_id(row.data.get("id"))
        if index in failures:
            # the batch check found the row bad; the per-row check words the reason precisely
            message = "; ".join(scenario_problems(row.data, categories)) or ", ".join(failures[index])
            rejects.append(ScenarioReject(row.source, row.row_number, sid, "InvalidInputError", message, row.raw))
            continue
        if sid in seen:
            rejects.append(
                ScenarioReject(
                    row.source, row.row_number, sid, "InvalidInputError",
                    f"duplicate id {sid!r} (first seen on row {seen[sid]}); give each scenario a unique id", row.raw,
                )
            )
            continue
        try:
            scenario = Scenario.from_mapping(row.data, categories)
        except InvalidInputError as exc:
            rejects.append(ScenarioReject(row.source, row.row_number, sid, exc.error_type, exc.message, row.raw))
            continue
        seen[sid] = row.row_number
        valid.append(ValidRow(row.source, row.row_number, scenario))
    rejects.sort(key=lambda r: r.row_number)
    return ValidatedScenarios(valid, rejects)
