"""DriftWatchdog: scan the watched files, classify what changed, answer it (seed: scripts/watch_drift).

    watchdog = DriftWatchdog(config.drift_policy, root=PROJECT_ROOT, state_dir=settings.state_dir)
    event = watchdog.run_drift_check(deep=False)   # scan + classify + new baseline
    report = watchdog.execute_drift_actions(event, context)

The flow runs the same steps one task each: `scan_for_changes`, `build_event` (with the quality
checks), the actions, the dataset, then `commit` (the new baseline is saved only after the event
was recorded, so a failed run reports the same change again).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..config.drift_policy import DriftPolicy
from ..config.loader import read_yaml_mapping
from ..errors import ConfigError
from ..paths import PROJECT_ROOT
from ..statuses import ChangeType
from .actions import ActionContext, ActionReport, execute_drift_actions
from .classify import classify, drift_facts
from .manifest import ManifestState, ManifestStore
from .scan import FileScan, discover, scan_files
from .selection import FileSelector
from .types import DriftEvent, FileChange, QualityCheck

__all__ = ["DriftWatchdog", "ScanOutcome"]

MANIFEST_KEY = "{state_dir}/drift/manifest.json"


@dataclass(frozen=True)
class ScanOutcome:
    scan: FileScan
    baseline: ManifestState
    deep: bool

    @property
    def scan_kind(self) -> str:
        return "deep" if self.deep else "incremental"


def _load_policy(policy: DriftPolicy | str | Path) -> DriftPolicy:
    if isinstance(policy, DriftPolicy):
        return policy
    from pydantic import ValidationError

    path = Path(policy)
    try:
        return DriftPolicy.model_validate(read_yaml_mapping(path))
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid drift policy: {exc.errors()[0]['msg']}") from exc


class DriftWatchdog:
    def __init__(
        self,
        policy: DriftPolicy | str | Path,
        *,
        root: str | Path | None = None,
        state_dir: str | Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        from ..config import get_settings

        self.policy = _load_policy(policy)
        self.root = Path(root) if root is not None else PROJECT_ROOT
        self.state_dir = Path(state_dir) if state_dir is not None else get_settings().state_dir
        self.store = ManifestStore(self.state_dir)
        self.selector = FileSelector(self.policy.file_monitoring)
        self._clock = clock or (lambda: datetime.now(UTC))

    def scan_for_changes(self, deep: bool = False) -> ScanOutcome:
        """Compare the watched files with the baseline; nothing is saved yet (see `commit`)."""
        baseline = self.store.load()
        found, problems = discover(self.selector, self.root, self.state_dir)
        scan = scan_files(found, problems, baseline.manifest, deep=deep,
                          monitoring=self.policy.file_monitoring, thresholds=self.policy.detection_thresholds)
        return ScanOutcome(scan, baseline, deep)

    def build_event(self, outcome: ScanOutcome, quality: Sequence[QualityCheck] = ()) -> DriftEvent:
        changes = list(outcome.scan.changes)
        problem = outcome.baseline.problem
        if problem:
            changes.insert(0, FileChange(MANIFEST_KEY, ChangeType.STATE_CORRUPT, detail=problem))
        facts = drift_facts(changes, outcome.scan.param_changes, quality, problem)
        severity = classify(facts, self.policy.drift_classification)
        return DriftEvent(
            event_id=uuid.uuid4().hex,
            scan_kind=outcome.scan_kind,
            severity=severity,
            file_changes=tuple(changes),
            param_changes=outcome.scan.param_changes,
            quality_checks=tuple(quality),
            facts=tuple(sorted(facts)),
            baseline_created=outcome.baseline.manifest is None,
            message=self._message(outcome, changes, quality),
            detected_at=self._clock(),
            files_scanned=outcome.scan.files_scanned,
            files_hashed=outcome.scan.files_hashed,
        )

    def _message(self, outcome: ScanOutcome, changes: list[FileChange], quality: Sequence[QualityCheck]) -> str:
        parts = []
        if outcome.baseline.first_scan:
            parts.append(f"first scan: baseline created with {outcome.scan.files_scanned} files at {self.store.path}")
        elif outcome.baseline.problem:
            parts.append(f"{outcome.baseline.problem}; a new baseline was made from the current files")
        counts = Counter(c.change_type.value for c in changes if c.file_path != MANIFEST_KEY)
        if counts:
            parts.append(", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
        if outcome.scan.param_changes:
            parts.append(f"{len(outcome.scan.param_changes)} parameters beyond tolerance")
        drifted = [q.metric for q in quality if q.drifted]
        if drifted:
            parts.append(f"quality drift in {', '.join(drifted)}")
        return "; ".join(parts) or "no drift"

    def commit(self, outcome: ScanOutcome) -> None:
        """Save the scan's view of the files as the new baseline (0600, atomically)."""
        manifest = outcome.scan.manifest
        manifest.created_at = time.time()
        self.store.save(manifest)

    def execute_drift_actions(self, event: DriftEvent, context: ActionContext | None = None) -> ActionReport:
        """The policy's automatic actions due at the event's level (manual ones are only listed)."""
        return execute_drift_actions(event, self.policy.response_actions, context or ActionContext(self.state_dir))

    def run_drift_check(self, deep: bool = False, quality: Sequence[QualityCheck] = ()) -> DriftEvent:
        outcome = self.scan_for_changes(deep)
        event = self.build_event(outcome, quality)
        self.commit(outcome)
        return event
