"""Typed per-chain and per-step results, and their rows for trajectory_chains / trajectory_steps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..statuses import ChainStatus
from .scoring import ChainScore

__all__ = ["ChainResult", "StepResult", "chain_rows", "step_rows"]


@dataclass(frozen=True)
class StepResult:
    step_index: int
    n_tokens: int
    mean_nll: float
    perplexity: float
    mean_entropy: float
    surprise: float
    cumulative_surprise: float
    max_nll: float
    anomaly_score: float | None  # the highest signal score; 1.0 = at that signal's calibrated limit
    anomaly: bool | None
    anomaly_signal: str | None  # the signal that gave anomaly_score


@dataclass(frozen=True)
class ChainResult:
    """One input chain's outcome: status "ok" with its steps, or "error" with a typed reason."""

    chain_id: str
    status: ChainStatus
    model: str
    steps: tuple[StepResult, ...] = ()
    n_tokens: int | None = None
    truncated: bool | None = None
    avg_perplexity: float | None = None
    avg_entropy: float | None = None
    cumulative_surprise: float | None = None
    max_anomaly_score: float | None = None
    passed_quality_check: bool | None = None
    outside_calibration: bool | None = None  # far from the calibration chains: the verdict is unreliable
    error_type: str | None = None
    error_message: str | None = None

    @classmethod
    def ok(cls, score: ChainScore, model: str, steps: tuple[StepResult, ...],
           max_anomaly_score: float | None, passed: bool | None, outside: bool | None = None) -> ChainResult:
        return cls(
            chain_id=score.chain_id, status=ChainStatus.OK, model=model, steps=steps, n_tokens=score.n_tokens,
            truncated=score.truncated,
            avg_perplexity=sum(s.perplexity for s in steps) / len(steps),
            avg_entropy=sum(s.mean_entropy for s in steps) / len(steps),
            cumulative_surprise=steps[-1].cumulative_surprise,
            max_anomaly_score=max_anomaly_score, passed_quality_check=passed, outside_calibration=outside,
        )

    @classmethod
    def error(cls, chain_id: str, model: str, error_type: str, message: str) -> ChainResult:
        return cls(chain_id=chain_id, status=ChainStatus.ERROR, model=model, error_type=error_type, error_message=message)

    @property
    def top_step(self) -> int | None:
        """Index of the highest-scoring step (by anomaly score, else by surprise)."""
        if not self.steps:
            return None
        key = (lambda s: s.anomaly_score) if self.steps[0].anomaly_score is not None else (lambda s: s.surprise)
        return max(self.steps, key=key).step_index

    @property
    def top_signal(self) -> str | None:
        """The signal behind the highest step score (None when uncalibrated)."""
        if not self.steps or self.steps[0].anomaly_score is None:
            return None
        return max(self.steps, key=lambda s: s.anomaly_score).anomaly_signal  # type: ignore[arg-type,return-value]


def step_rows(results: Iterable[ChainResult], flow_run_id: str | None) -> list[dict[str, Any]]:
    return [
        {"chain_id": r.chain_id, **s.__dict__, "model": r.model, "flow_run_id": flow_run_id}
        for r in results
        for s in r.steps
    ]


def chain_rows(results: Sequence[ChainResult], flow_run_id: str, config_version: str | None,
               analyzed_at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "chain_id": r.chain_id, "n_steps": len(r.steps) if r.status == ChainStatus.OK else None, "n_tokens": r.n_tokens,
            "avg_perplexity": r.avg_perplexity, "avg_entropy": r.avg_entropy,
            "cumulative_surprise": r.cumulative_surprise, "max_anomaly_score": r.max_anomaly_score,
            "passed_quality_check": r.passed_quality_check, "outside_calibration": r.outside_calibration,
            "truncated": r.truncated, "model": r.model,
            "status": r.status.value, "error_type": r.error_type, "error_message": r.error_message,
            "config_version": config_version, "flow_run_id": flow_run_id, "analyzed_at": analyzed_at,
        }
        for r in results
    ]
