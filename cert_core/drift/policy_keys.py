"""The drift policy's keys that nothing here acts on, so none is ignored silently.

The policy follows the seed's template, which holds more than this project can act on (email and
pager channels, performance gates over metrics it does not compute, recovery back-off). Those keys
still load; `DriftWatchdog` logs the list once per process and docs/drift.md names them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel

from ..config.drift_policy import DriftPolicy
from ..observability import get_logger

__all__ = ["ACTION_PARAMETERS", "log_unread_keys", "unread_keys"]

log = get_logger(__name__)

# The parameters each automatic action reads (actions.py); an action without an entry has no handler.
ACTION_PARAMETERS: dict[str, frozenset[str]] = {
    "log_drift_event": frozenset({"log_level", "include_diff", "include_context"}),
    "capture_system_state": frozenset({"include_metrics", "include_configurations", "include_performance_data"}),
    "run_validation_tests": frozenset({"timeout_seconds"}),
    "performance_benchmark": frozenset({"repeats", "comparison_baseline"}),
    "trigger_overlay_rebuild": frozenset({"validate_after_rebuild"}),
    "trigger_degradation": frozenset({"strategy"}),
}
# quality_gate_required is read (actions.py); a description documents the level, it asks for nothing.
SEVERITY_LEVEL_KEYS = frozenset({"quality_gate_required", "description"})
_logged: set[tuple[str, ...]] = set()  # lists already logged by this process


def _extras(model: BaseModel, path: str) -> Iterator[str]:
    for key in model.model_extra or {}:
        yield f"{path}{key}"
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        for i, item in enumerate(values):
            if isinstance(item, BaseModel):
                label = getattr(item, "name", None) or i
                yield from _extras(item, f"{path}{name}[{label}]." if isinstance(value, list) else f"{path}{name}.")


def unread_keys(policy: DriftPolicy) -> list[str]:
    """Dotted paths of the policy's keys that no code reads."""
    keys = list(_extras(policy, ""))
    for level, settings in policy.drift_classification.severity_levels.items():
        keys += [f"drift_classification.severity_levels.{level}.{k}" for k in settings if k not in SEVERITY_LEVEL_KEYS]
    for action in policy.response_actions.automatic_actions:
        known = ACTION_PARAMETERS.get(action.name, frozenset())
        keys += [f"response_actions.automatic_actions[{action.name}].parameters.{k}"
                 for k in action.parameters if k not in known]
    return sorted(keys)


def log_unread_keys(policy: DriftPolicy) -> list[str]:
    """Log (once per process for a given list) the keys that are loaded but not acted on."""
    keys = unread_keys(policy)
    if keys and tuple(keys) not in _logged:
        _logged.add(tuple(keys))
        sections = Counter(key.split(".", 1)[0] for key in keys)
        log.warning(f"drift policy: {len(keys)} keys are loaded but not acted on, under "
                    + ", ".join(f"{section} ({n})" for section, n in sorted(sections.items()))
                    + "; docs/drift.md ('Policy keys not acted on') says why, DEBUG logging names each key")
        log.debug("drift policy keys not acted on: " + ", ".join(keys))
    return keys
