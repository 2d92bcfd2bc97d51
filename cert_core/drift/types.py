"""The typed results of a drift check: file and parameter changes, quality tests, the event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..statuses import ChangeType, DriftSeverity, QualityCheckStatus

__all__ = ["DriftEvent", "DriftResult", "FileChange", "ParamChange", "QualityCheck"]


@dataclass(frozen=True)
class ParamChange:
    """A config parameter that moved beyond its tolerance (or appeared, or went away)."""

    file_path: str
    parameter: str  # dotted path inside the file
    old_value: str | None
    new_value: str | None
    critical: bool


@dataclass(frozen=True)
class FileChange:
    file_path: str  # relative to the project root, or "{state_dir}/..." for state files
    change_type: ChangeType
    old_hash: str | None = None
    new_hash: str | None = None
    old_version: str | None = None
    new_version: str | None = None
    detail: str = ""

    @property
    def version_change(self) -> bool:
        return self.old_version != self.new_version and (self.old_version or self.new_version) is not None

    @property
    def is_problem(self) -> bool:
        """Could not be looked at (unreadable, a symlink out of the root), as opposed to changed."""
        return self.change_type in (ChangeType.UNREADABLE, ChangeType.SYMLINK_OUTSIDE_ROOT)


@dataclass(frozen=True)
class DriftResult:
    """One statistical test on one metric: its score (statistic), the threshold it is held to, and
    the verdict. ``p_adjusted`` is the Benjamini-Hochberg p-value across the scan's metrics."""

    score: float
    drifted: bool
    threshold: float
    p_value: float | None = None
    p_adjusted: float | None = None


@dataclass(frozen=True)
class QualityCheck:
    metric: str
    dataset: str
    status: QualityCheckStatus
    n_reference: int
    n_recent: int
    results: Mapping[str, DriftResult] = field(default_factory=dict)  # detector name -> result
    reason: str = ""
    drifted: bool = False  # the tests' verdicts combined as the policy says (quality_drift.combine)


@dataclass(frozen=True)
class DriftEvent:
    """What one drift check found. ``severity`` is None when nothing drifted."""

    event_id: str
    scan_kind: str  # "incremental" | "deep"
    severity: DriftSeverity | None
    file_changes: tuple[FileChange, ...]
    param_changes: tuple[ParamChange, ...]
    quality_checks: tuple[QualityCheck, ...]
    facts: tuple[str, ...]  # the classification facts that held
    baseline_created: bool
    message: str
    detected_at: datetime
    files_scanned: int = 0
    files_hashed: int = 0

    @property
    def drifted(self) -> bool:
        return self.severity is not None

    @property
    def drift_type(self) -> str:
        """The event's main kind: config when a parameter moved, else file, else quality."""
        if self.param_changes:
            return "config"
        if any(not c.is_problem for c in self.file_changes):
            return "file"
        return "quality" if any(q.drifted for q in self.quality_checks) else "file"
