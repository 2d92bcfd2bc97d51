"""From one task's measurements to its coordination_runs rows (one per strategy, vote included).

gamma = coordinated / mean baseline quality, omega = coordinated - best baseline quality,
gain_over_vote = coordinated - vote quality, over judged scores only: a missing term makes the
metric None (never a number standing in for it). Calls, tokens and cost on a row are what this run
spent on it: a strategy row counts the strategy's calls and its judge calls, the vote row counts
the baseline's; a measurement taken from the cache counts 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config.coordination import CoordinationConfig
from ..errors import CertError
from ..statuses import CoordinationStatus
from .agents import is_cost_limited
from .measure import vote_control
from .types import (
    AgentResponse,
    BaselineMeasurement,
    CoordinationMetrics,
    CoordinationTask,
    StrategyResult,
)

__all__ = ["CoordinationRow", "Failure", "TaskOutcome", "agent_response_rows", "evaluate_task", "gamma_omega_gain"]


@dataclass(frozen=True)
class Failure:
    """A measurement that did not finish (or never started), with the calls it made before."""

    error_type: str
    message: str
    cost_limited: bool
    calls: tuple[AgentResponse, ...] = ()

    @classmethod
    def from_exception(cls, exc: BaseException) -> Failure:
        if isinstance(exc, CertError):
            calls = tuple(c for c in exc.context.get("calls", ()) if isinstance(c, AgentResponse))
            return cls(exc.error_type, exc.message, is_cost_limited(exc), calls)
        return cls(type(exc).__name__, str(exc) or repr(exc), False)

    @property
    def status(self) -> CoordinationStatus:
        return CoordinationStatus.COST_LIMITED if self.cost_limited else CoordinationStatus.ERROR


@dataclass(frozen=True)
class TaskOutcome:
    task: CoordinationTask
    baseline: BaselineMeasurement | Failure
    strategies: tuple[tuple[str, StrategyResult | Failure], ...]  # the coordinated strategies, not vote


@dataclass(frozen=True)
class CoordinationRow:
    """One coordination_runs row, typed."""

    task_id: str
    strategy: str
    status: CoordinationStatus
    metrics: CoordinationMetrics | None
    baseline_cached: bool | None
    coordinated_cached: bool | None
    baseline_run_id: str | None
    calls: tuple[AgentResponse, ...]  # made by this run for this row
    duration_s: float
    consensus_truncated: int | None
    arbitration: str | None = None
    error_type: str | None = None
    error_message: str | None = None

    def as_row(self, *, run_id: str, num_agents: int, backend: str, model: str, config_version: str,
               run_at: datetime) -> dict[str, Any]:
        m = self.metrics
        return {
            "run_id": run_id, "task_id": self.task_id, "strategy": self.strategy, "num_agents": num_agents,
            "backend": backend, "model": model,
            "baseline_quality": m and m.baseline_quality, "best_baseline_quality": m and m.best_baseline_quality,
            "coordinated_quality": m and m.coordinated_quality,
            "coordinated_quality_std": m and m.coordinated_quality_std, "vote_quality": m and m.vote_quality,
            "gamma": m and m.gamma, "omega": m and m.omega, "gain_over_vote": m and m.gain_over_vote,
            "consensus_rate": m and m.consensus_rate, "judge_error": m and m.judge_error,
            "consensus_truncated": self.consensus_truncated, "arbitration": self.arbitration,
            "baseline_cached": self.baseline_cached, "coordinated_cached": self.coordinated_cached,
            "baseline_run_id": self.baseline_run_id, "llm_calls": len(self.calls),
            "input_tokens": sum(c.input_tokens for c in self.calls),
            "output_tokens": sum(c.output_tokens for c in self.calls),
            "cost_usd": round(sum(c.cost_usd for c in self.calls), 8), "duration_s": round(self.duration_s, 6),
            "status": str(self.status), "error_type": self.error_type, "error_message": self.error_message,
            "config_version": config_version, "flow_run_id": run_id, "run_at": run_at,
        }


def gamma_omega_gain(coordinated: float | None, baseline_mean: float | None, best: float | None,
                     vote: float | None) -> tuple[float | None, float | None, float | None]:
    gamma = coordinated / baseline_mean if coordinated is not None and baseline_mean else None
    omega = coordinated - best if coordinated is not None and best is not None else None
    gain = coordinated - vote if coordinated is not None and vote is not None else None
    return gamma, omega, gain


def _judge_error(result: StrategyResult, baseline: BaselineMeasurement) -> str | None:
    if result.judgement.error:
        return f"{result.strategy}: {result.judgement.error}"
    for answer in baseline.agent_responses:
        if answer.judge_error:
            return f"baseline {answer.agent_id}: {answer.judge_error}"
    return None


def _metrics(task: CoordinationTask, result: StrategyResult, baseline: BaselineMeasurement,
             vote: StrategyResult) -> CoordinationMetrics:
    coordinated = result.judgement.quality
    gamma, omega, gain = gamma_omega_gain(coordinated, baseline.mean_quality, baseline.best_quality,
                                          vote.judgement.quality)
    return CoordinationMetrics(
        task.id, task.task, result.strategy, result.num_agents, gamma, omega, gain, result.consensus_rate,
        baseline.mean_quality, baseline.best_quality, coordinated, vote.judgement.quality, result.final_answer,
        result.agent_responses, _judge_error(result, baseline), result.judgement.std,
    )


def _spent(measured_in_run: str, run_id: str, calls: Sequence[AgentResponse], duration_s: float):
    fresh = measured_in_run == run_id
    return (not fresh), (tuple(calls) if fresh else ()), (duration_s if fresh else 0.0)


def evaluate_task(outcome: TaskOutcome, config: CoordinationConfig, run_id: str) -> list[CoordinationRow]:
    """The rows of one task: each coordinated strategy, then the vote control."""
    task, baseline = outcome.task, outcome.baseline
    rows: list[CoordinationRow] = []
    vote: StrategyResult | None = None
    if isinstance(baseline, BaselineMeasurement):
        vote = vote_control(task, baseline, config, run_id=run_id)
        b_cached, b_calls, b_duration = _spent(baseline.measured_in_run, run_id, baseline.calls, baseline.duration_s)
    for name, result in outcome.strategies:
        if isinstance(result, Failure):
            rows.append(_failed(task.id, name, result, result.calls))
            continue
        cached, calls, duration = _spent(result.measured_in_run, run_id, result.calls, result.duration_s)
        if isinstance(baseline, Failure):
            rows.append(CoordinationRow(
                task.id, name, baseline.status, _without_baseline(task, result), None, cached, None, calls,
                duration, result.truncated, result.arbitration, baseline.error_type,
                f"the baseline failed ({baseline.message}); coordinated_quality is kept, but gamma, omega and "
                "gain_over_vote need the baseline",
            ))
            continue
        rows.append(CoordinationRow(task.id, name, CoordinationStatus.OK, _metrics(task, result, baseline, vote), b_cached,
                                    cached, baseline.measured_in_run, calls, duration, result.truncated,
                                    result.arbitration))
    if isinstance(baseline, Failure):
        rows.append(_failed(task.id, "vote", baseline, baseline.calls))
    else:
        rows.append(CoordinationRow(task.id, "vote", CoordinationStatus.OK, _metrics(task, vote, baseline, vote), b_cached,
                                    b_cached, baseline.measured_in_run, b_calls, b_duration, baseline.truncated,
                                    vote.arbitration))
    return rows


def _without_baseline(task: CoordinationTask, result: StrategyResult) -> CoordinationMetrics:
    return CoordinationMetrics(task.id, task.task, result.strategy, result.num_agents, None, None, None,
                               result.consensus_rate, None, None, result.judgement.quality, None,
                               result.final_answer, result.agent_responses, result.judgement.error,
                               result.judgement.std)


def _failed(task_id: str, strategy: str, failure: Failure, calls: tuple[AgentResponse, ...]) -> CoordinationRow:
    return CoordinationRow(task_id, strategy, failure.status, None, None, None, None, calls, 0.0, None, None,
                           failure.error_type, failure.message)


def agent_response_rows(rows: Sequence[CoordinationRow], *, run_id: str, config_version: str,
                        created_at: datetime) -> list[dict[str, Any]]:
    """Every call this run made (agents, aggregator, judge), once, with tokens, cost and latency."""
    out = []
    for row in rows:
        for c in row.calls:
            out.append({
                "run_id": run_id, "task_id": row.task_id, "phase": c.phase, "agent_id": c.agent_id,
                "round": c.round, "response": c.response, "quality": c.quality, "input_tokens": c.input_tokens,
                "output_tokens": c.output_tokens, "cost_usd": c.cost_usd, "latency_ms": c.latency_ms,
                "strategy": c.strategy, "quality_std": c.quality_std, "judge_error": c.judge_error,
                "model": c.model, "call_tag": c.tag, "config_version": config_version, "created_at": created_at,
            })
    return out
