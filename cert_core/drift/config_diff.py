"""Config parameters compared against the policy's tolerances.

A YAML file is flattened to dotted parameter paths. Numbers (and strings that are numbers, as in
overlay_params.yaml) may move by the relative numeric tolerance; strings and booleans must match
exactly. A parameter is critical when any part of its path is a configured critical parameter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ..config.drift_policy import ConfigChangeThresholds
from .types import ParamChange

__all__ = ["diff_params", "flatten", "within_tolerance"]

_BOOL_WORDS = {"true", "false", "yes", "no", "on", "off"}


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Mappings become dotted paths; lists and scalars are leaf values (lists as canonical JSON)."""
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, (list, tuple)):
        return {prefix: json.dumps(data, sort_keys=True, default=str)}
    if data is None or isinstance(data, (bool, int, float, str)):
        return {prefix: data}
    return {prefix: str(data)}  # dates and other YAML scalars


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() not in _BOOL_WORDS:
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def within_tolerance(old: Any, new: Any, numeric_tolerance: float) -> bool:
    """Numbers within ±tolerance of the old value (relative); anything else exactly equal."""
    a, b = _number(old), _number(new)
    if a is not None and b is not None:
        if a == 0.0:
            return b == 0.0
        return abs(b - a) <= numeric_tolerance * abs(a) + 1e-12
    return old == new and type(old) is type(new)


def _text(value: Any) -> str | None:
    return None if value is None else (value if isinstance(value, str) else json.dumps(value))


def diff_params(
    file_path: str, old: Mapping[str, Any], new: Mapping[str, Any], thresholds: ConfigChangeThresholds
) -> tuple[list[ParamChange], dict[str, Any]]:
    """The changes beyond tolerance, and the parameters to keep as the new baseline: a change
    within tolerance keeps the old value, so small steps cannot add up unseen."""
    tolerance = thresholds.parameter_change_tolerance.numeric_values
    critical = set(thresholds.critical_parameters)
    changes: list[ParamChange] = []
    kept: dict[str, Any] = {}
    for name in sorted(set(old) | set(new)):
        is_critical = bool(critical & set(name.split(".")))
        if name not in new:
            changes.append(ParamChange(file_path, name, _text(old[name]), None, is_critical))
        elif name not in old:
            changes.append(ParamChange(file_path, name, None, _text(new[name]), is_critical))
            kept[name] = new[name]
        elif within_tolerance(old[name], new[name], tolerance):
            kept[name] = old[name]
        else:
            changes.append(ParamChange(file_path, name, _text(old[name]), _text(new[name]), is_critical))
            kept[name] = new[name]
    return changes, kept
