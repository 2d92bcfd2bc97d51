"""A scenario to route: id, category, complexity in [0, 1], and optional text."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidInputError
from ..io.ids import id_problem

KNOWN_FIELDS = ("id", "category", "complexity", "description", "context", "prompt")
# A fusion call's ledger operation id is "<flow run id>:<scenario id>" and the ledger keeps at most 200
# characters (cert_core/governance/ledger.py); a flow run id is a 36-character UUID. Routing uses the same
# bound, so an id that routes also fuses.
OPERATION_ID_LIMIT = 200
RUN_ID_LENGTH = 36
MAX_ID_LENGTH = OPERATION_ID_LIMIT - RUN_ID_LENGTH - 1


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    category: str
    complexity: float
    description: str = ""
    context: str = ""
    prompt: str = ""
    extras: dict[str, Any] = Field(default_factory=dict)  # unknown input fields, kept out of the way

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], categories: Sequence[str] | None = None) -> Scenario:
        """Build from one input row; every problem is an InvalidInputError that says what to fix."""
        problems = scenario_problems(data, categories)
        if problems:
            sid = data.get("id") if isinstance(data, Mapping) else None
            raise InvalidInputError("; ".join(problems), context={"scenario_id": sid if isinstance(sid, str) else None})
        return cls(
            id=normalise_id(data["id"]),
            category=data["category"],
            complexity=float(data["complexity"]),
            description=data.get("description") or "",
            context=data.get("context") or "",
            prompt=data.get("prompt") or "",
            extras={k: v for k, v in data.items() if k not in KNOWN_FIELDS},
        )


def normalise_id(value: Any) -> str | None:
    """Ids are strings; whole numbers are accepted and written as strings. Anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def as_complexity(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def scenario_problems(data: Any, categories: Sequence[str] | None) -> list[str]:
    if not isinstance(data, Mapping):
        return [f"expected a JSON object with id, category and complexity, got {type(data).__name__}"]
    problems = []
    sid = normalise_id(data.get("id"))
    if sid is None:
        problems.append("missing id: every scenario needs a non-empty string 'id'")
    elif (problem := id_problem(sid, MAX_ID_LENGTH)) is not None:
        problems.append(problem + (" (a fusion call's operation id is the run id, ':' and the scenario id, "
                                   f"at most {OPERATION_ID_LIMIT} characters)" if len(sid) > MAX_ID_LENGTH else ""))
    category = data.get("category")
    if not isinstance(category, str) or (categories is not None and category not in categories):
        allowed = f"; use one of {', '.join(categories)}" if categories else ""
        problems.append(f"unknown category {category!r}{allowed}")
    raw = data.get("complexity")
    number = as_complexity(raw)
    if number is None or not 0.0 <= number <= 1.0:
        hint = " (remove the quotes)" if isinstance(raw, str) else ""
        problems.append(f"complexity must be a number in [0, 1], got {raw!r}{hint}")
    for name in ("description", "context", "prompt"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{name} must be text, got {type(value).__name__}")
    return problems
