"""The quality check: every step signal against its calibrated distribution.

For each signal (cert_core/trajectory/signals) a step's score is (value - p50) / (limit - p50),
where limit is the calibrated ``anomaly_percentile`` (p99 by default, never below the signal's
floor); a score above 1 is over the limit. A step's ``anomaly_score`` is its highest signal score
and ``anomaly_signal`` names that signal; the step is an anomaly when any signal is over its limit,
and a chain passes when none of its steps is. A chain whose median per-token nll is far above the
calibration chains' (``outside_margin_nats`` over their p99.9) is flagged ``outside_calibration``.
Without a calibration for the model the scores and the verdict are null (never a made-up default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from ..config.trajectory import CalibratedThresholds
from ..errors import ConfigError
from ..observability import METRICS
from .calibration import chain_median_nll
from .chain_input import ChainInput
from .results import ChainResult, StepResult
from .scoring import ChainScore
from .signals import SIGNALS

__all__ = ["assess_chain", "signal_scores"]


def signal_scores(chain: ChainInput, score: ChainScore, thresholds: CalibratedThresholds, limit_key: str,
                  signals: Sequence[str]) -> list[dict[str, float]]:
    """Per step, each signal's score (1.0 = at its calibrated limit)."""
    per_step: list[dict[str, float]] = [{} for _ in score.steps]
    for name in signals:
        signal = SIGNALS.get(name)
        stats = thresholds.signals.get(name)
        if signal is None or stats is None:
            known = ", ".join(sorted(SIGNALS)) if signal is None else ", ".join(sorted(thresholds.signals))
            raise ConfigError(f"trajectory.anomaly_signals names {name!r}, which is not "
                              f"{'a known signal' if signal is None else 'in the calibration'} ({known}); "
                              "fix anomaly_signals or re-run `cert trajectory calibrate`")
        p50 = stats.percentiles["p50"]
        limit = signal.limit(p50, stats.percentiles[limit_key])
        for i, value in enumerate(signal.compute(chain, score)):
            per_step[i][name] = (value - p50) / (limit - p50)
    return per_step


def assess_chain(chain: ChainInput, score: ChainScore, model: str, thresholds: CalibratedThresholds | None,
                 limit_key: str = "p99", signals: Sequence[str] = tuple(SIGNALS),
                 outside_margin_nats: float = 1.0) -> ChainResult:
    if thresholds is None:
        steps = tuple(StepResult(**asdict(s), anomaly_score=None, anomaly=None, anomaly_signal=None)
                      for s in score.steps)
        METRICS.hamiltonian_quality_checks.labels(result="uncalibrated").inc()
        return ChainResult.ok(score, model, steps, None, None)
    per_step = signal_scores(chain, score, thresholds, limit_key, signals)
    steps = []
    for step, scores in zip(score.steps, per_step):
        top = max(scores, key=scores.__getitem__)
        steps.append(StepResult(**asdict(step), anomaly_score=scores[top], anomaly=scores[top] > 1.0,
                                anomaly_signal=top))
    passed = not any(s.anomaly for s in steps)
    outside = chain_median_nll(score) > thresholds.domain.percentiles["p99_9"] + outside_margin_nats
    METRICS.hamiltonian_quality_checks.labels(result="passed" if passed else "failed").inc()
    return ChainResult.ok(score, model, tuple(steps), max(s.anomaly_score for s in steps), passed, outside)
