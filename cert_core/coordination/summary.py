"""The run summary: per strategy, mean gamma and gain_over_vote with paired bootstrap 95% intervals.

Each task contributes its own gamma and its own gain_over_vote (coordinated minus vote on the same
task, so the pairing is by task); the interval resamples tasks with replacement (scipy's bootstrap,
percentile method, seeded). Tasks whose metric is None (a judge failure, a zero baseline) are left
out and counted. ``pooled_gamma`` is mean coordinated quality over mean baseline quality across the
judged tasks, which stays defined when single tasks have a zero baseline.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .results import CoordinationRow
from ..statuses import CoordinationStatus

__all__ = ["Interval", "StrategySummary", "bootstrap_mean", "summarize"]


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class StrategySummary:
    strategy: str
    tasks: int
    ok: int
    errors: int
    cost_limited: int
    mean_gamma: float | None
    gamma_ci: Interval | None
    gamma_n: int
    pooled_gamma: float | None
    mean_gain_over_vote: float | None
    gain_ci: Interval | None
    gain_n: int
    mean_quality: float | None
    effective_share: float | None  # share of tasks with gamma > 1
    llm_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float

    def as_table_row(self) -> dict[str, Any]:
        def fmt(value: float | None, digits: int = 4) -> float | None:
            return None if value is None else round(value, digits)

        def ci(interval: Interval | None) -> str:
            return "" if interval is None else f"[{interval.low:.3f}, {interval.high:.3f}]"

        return {
            "strategy": self.strategy, "tasks": self.tasks, "ok": self.ok, "errors": self.errors,
            "cost_limited": self.cost_limited, "mean_gamma": fmt(self.mean_gamma), "gamma_95ci": ci(self.gamma_ci),
            "pooled_gamma": fmt(self.pooled_gamma), "mean_gain_over_vote": fmt(self.mean_gain_over_vote),
            "gain_95ci": ci(self.gain_ci), "mean_quality": fmt(self.mean_quality), "llm_calls": self.llm_calls,
            "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 6),
        }


def bootstrap_mean(values: Sequence[float], *, resamples: int, seed: int) -> Interval | None:
    """95% percentile interval of the mean, resampling the values (tasks) with replacement."""
    if len(values) < 2:
        return None
    data = np.asarray(values, dtype=np.float64)
    if np.ptp(data) == 0:
        return Interval(float(data[0]), float(data[0]))
    from scipy.stats import bootstrap

    result = bootstrap((data,), np.mean, confidence_level=0.95, n_resamples=resamples, method="percentile",
                       rng=np.random.default_rng(seed), vectorized=True)
    return Interval(float(result.confidence_interval.low), float(result.confidence_interval.high))


def summarize(rows: Sequence[CoordinationRow], *, resamples: int = 2000, seed: int = 0) -> list[StrategySummary]:
    order = list(dict.fromkeys(r.strategy for r in rows))
    out = []
    for strategy in order:
        mine = [r for r in rows if r.strategy == strategy]
        metrics = [r.metrics for r in mine if r.status == CoordinationStatus.OK and r.metrics is not None]
        gammas = [m.gamma for m in metrics if m.gamma is not None]
        gains = [m.gain_over_vote for m in metrics if m.gain_over_vote is not None]
        pairs = [(m.coordinated_quality, m.baseline_quality) for m in metrics
                 if m.coordinated_quality is not None and m.baseline_quality is not None]
        base = statistics.fmean(b for _, b in pairs) if pairs else None
        qualities = [m.coordinated_quality for m in metrics if m.coordinated_quality is not None]
        calls = [c for r in mine for c in r.calls]
        out.append(StrategySummary(
            strategy=strategy, tasks=len(mine), ok=sum(r.status == CoordinationStatus.OK for r in mine),
            errors=sum(r.status == CoordinationStatus.ERROR for r in mine),
            cost_limited=sum(r.status == CoordinationStatus.COST_LIMITED for r in mine),
            mean_gamma=statistics.fmean(gammas) if gammas else None,
            gamma_ci=bootstrap_mean(gammas, resamples=resamples, seed=seed), gamma_n=len(gammas),
            pooled_gamma=statistics.fmean(c for c, _ in pairs) / base if base else None,
            mean_gain_over_vote=statistics.fmean(gains) if gains else None,
            gain_ci=bootstrap_mean(gains, resamples=resamples, seed=seed), gain_n=len(gains),
            mean_quality=statistics.fmean(qualities) if qualities else None,
            effective_share=sum(g > 1.0 for g in gammas) / len(gammas) if gammas else None,
            llm_calls=len(calls), input_tokens=sum(c.input_tokens for c in calls),
            output_tokens=sum(c.output_tokens for c in calls), cost_usd=sum(c.cost_usd for c in calls),
        ))
    return out
