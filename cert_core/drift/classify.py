"""Classification: the facts a scan establishes, and the policy's rules that turn them into a level.

A rule's condition joins facts with AND (or with OR); the highest level among the rules that hold
wins. Drift that no rule names gets the policy's default level; no drift gets None.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config.drift_policy import DriftClassification
from ..statuses import ChangeType, DriftSeverity
from .types import FileChange, ParamChange, QualityCheck

__all__ = ["classify", "drift_facts"]

CORE_PREFIXES = ("cert_core/", "flows/", "tasks/")
_STATE_CORRUPT = ChangeType.STATE_CORRUPT


def drift_facts(
    changes: Sequence[FileChange],
    params: Sequence[ParamChange],
    quality: Sequence[QualityCheck],
    state_problem: str | None = None,
) -> frozenset[str]:
    real = [c for c in changes if not c.is_problem and c.change_type is not _STATE_CORRUPT]
    facts = {
        "any_change": bool(real or params),
        "config_file_changed": any(c.file_path.endswith((".yaml", ".yml")) for c in real) or bool(params),
        "critical_parameter_modified": any(p.critical for p in params),
        "core_module_changed": any(c.file_path.startswith(CORE_PREFIXES) and c.file_path.endswith(".py")
                                   for c in real),
        "version_bumped": any(c.version_change for c in real),
        "overlay_file_changed": any("micro_overlays/" in c.file_path for c in real),
        "state_file_corrupted": state_problem is not None or any(c.change_type is _STATE_CORRUPT for c in changes),
        "multiple_files_changed": len({c.file_path for c in real}) > 1,
        "performance_degradation": any(q.drifted for q in quality),
        "files_unreadable": any(c.is_problem for c in changes),
    }
    return frozenset(name for name, holds in facts.items() if holds)


def _holds(condition: str, facts: frozenset[str]) -> bool:
    if " OR " in condition:
        return any(part.strip() in facts for part in condition.split(" OR "))
    return all(part.strip() in facts for part in condition.split(" AND "))


def classify(facts: frozenset[str], rules: DriftClassification) -> DriftSeverity | None:
    """low, medium, high or critical by the rules; None when nothing drifted."""
    levels = [DriftSeverity(r.severity) for r in rules.classification_rules if _holds(r.condition, facts)]
    if levels:
        return max(levels, key=lambda s: s.rank)
    if facts & {"any_change", "state_file_corrupted", "performance_degradation", "files_unreadable"}:
        return DriftSeverity(rules.default_severity)
    return None
