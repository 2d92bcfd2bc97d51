"""The quality check: each step's statistic against the calibrated distribution.

anomaly_score = (statistic - calibrated mean) / calibrated std (a z-score); a step is an anomaly
when its statistic is above the configured calibrated percentile (p99 by default), and a chain
passes when none of its steps is. Without thresholds for the model the scores and the verdict are
null (never a made-up default); run `cert trajectory calibrate` first.
"""

from __future__ import annotations

from dataclasses import asdict

from ..config.trajectory import CalibratedThresholds
from ..observability import METRICS
from .calibration import step_statistic
from .results import ChainResult, StepResult
from .scoring import ChainScore

__all__ = ["assess_chain"]


def assess_chain(score: ChainScore, model: str, thresholds: CalibratedThresholds | None,
                 limit_key: str = "p99") -> ChainResult:
    steps = []
    for step in score.steps:
        anomaly_score = anomaly = None
        if thresholds is not None:
            value = step_statistic(step, thresholds.statistic)
            anomaly_score = (value - thresholds.mean) / max(thresholds.std, 1e-9)
            anomaly = value > thresholds.percentiles[limit_key]
        steps.append(StepResult(**asdict(step), anomaly_score=anomaly_score, anomaly=anomaly))
    if thresholds is None:
        passed = max_score = None
        METRICS.hamiltonian_quality_checks.labels(result="uncalibrated").inc()
    else:
        passed = not any(s.anomaly for s in steps)
        max_score = max(s.anomaly_score for s in steps)  # type: ignore[type-var]
        METRICS.hamiltonian_quality_checks.labels(result="passed" if passed else "failed").inc()
    return ChainResult.ok(score, model, tuple(steps), max_score, passed)
