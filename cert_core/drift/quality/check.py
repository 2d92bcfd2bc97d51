"""Quality drift over the Parquet history: each configured metric's recent window against its
reference window, every configured test, Benjamini-Hochberg across the scan's metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ...config.drift_policy import QualityDrift
from ...statuses import QualityCheckStatus
from ..types import QualityCheck
from .correction import correct_checks
from .detectors import make_detectors
from .history import metric_windows

__all__ = ["evaluate_windows", "judge_checks", "run_quality_drift"]


def evaluate_windows(metric: str, dataset: str, reference: np.ndarray, recent: np.ndarray,
                 settings: QualityDrift) -> QualityCheck:
    """Every configured test on one metric's windows; uncorrected and undecided (see `judge_checks`)."""
    if min(len(reference), len(recent)) < settings.min_window_rows:
        return QualityCheck(
            metric, dataset, QualityCheckStatus.INSUFFICIENT_DATA, len(reference), len(recent),
            reason=f"insufficient data: {len(reference)} reference and {len(recent)} recent rows in {dataset}; "
                   f"each window needs {settings.min_window_rows}",
        )
    results = {d.name: d.test(reference, recent) for d in make_detectors(settings.detectors, settings.tests)}
    return QualityCheck(metric, dataset, QualityCheckStatus.TESTED, len(reference), len(recent), results)



def judge_checks(checks: Sequence[QualityCheck], settings: QualityDrift) -> tuple[QualityCheck, ...]:
    """Benjamini-Hochberg across the checks, then each metric's verdict: all tests drifted
    (``combine: all``) or any of them (``combine: any``)."""
    combine = all if settings.combine == "all" else any
    return tuple(
        replace(c, drifted=c.status is QualityCheckStatus.TESTED and combine(r.drifted for r in c.results.values()))
        for c in correct_checks(list(checks))
    )


def run_quality_drift(settings: QualityDrift, results_dir: str | Path) -> tuple[QualityCheck, ...]:
    """One QualityCheck per configured metric; a missing or empty dataset is "insufficient data"."""
    if not settings.enabled:
        return ()
    checks = []
    for metric in settings.metrics:
        reference, recent = metric_windows(metric, results_dir, settings.reference_rows, settings.recent_rows)
        checks.append(evaluate_windows(metric.name, metric.dataset, reference, recent, settings))
    return judge_checks(checks, settings)
