"""Typed results of coordination measurement (the seed's types, frozen, with nulls where a judge failed).

AgentResponse      one LLM call of an agent, the aggregator or the judge, with its accounting
BaselineMeasurement N independent answers to one task, each judged (None where the judge failed)
CoordinationMetrics one strategy on one task: gamma, omega, gain_over_vote, consensus_rate
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = [
    "AgentResponse",
    "BaselineMeasurement",
    "CoordinationMetrics",
    "CoordinationTask",
    "Judgement",
    "Phase",
    "StrategyResult",
]

Phase = Literal["baseline", "coordinated", "aggregate", "judge"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CoordinationTask:
    """One line of the tasks file."""

    id: str
    task: str
    reference: str | None = None
    kind: str | None = None
    line_number: int = 0
    extra: tuple[tuple[str, str], ...] = ()  # unknown fields, kept aside as (name, JSON text)


@dataclass(frozen=True)
class AgentResponse:
    """One LLM call. ``quality`` is the judged quality of an answer (agent or aggregator rows) or the
    score a judge call gave (judge rows); None with ``judge_error`` when it could not be judged."""

    agent_id: str  # agent_0.. | aggregator | judge
    phase: Phase
    round: int
    response: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    model: str
    quality: float | None = None
    quality_std: float | None = None
    judge_error: str | None = None
    strategy: str | None = None
    tag: str = ""  # unique within a task's measurement (part of the ledger's operation id)
    timestamp: datetime = field(default_factory=_now)

    def judged(self, judgement: Judgement) -> AgentResponse:
        return replace(self, quality=judgement.quality, quality_std=judgement.std, judge_error=judgement.error)


@dataclass(frozen=True)
class Judgement:
    """The judged quality of one answer in [0, 1], or None with the reason. Never a stand-in number."""

    quality: float | None
    error: str | None = None
    method: str = ""  # numeric | exact | similarity | llm
    std: float | None = None  # across judge_repeats (0.0 for one repeat)
    calls: tuple[AgentResponse, ...] = ()


@dataclass(frozen=True)
class BaselineMeasurement:
    """N independent agents on one task. Persisted by the Prefect cache; ``measured_in_run`` says which
    flow run paid for it, so a later run knows it came from the cache."""

    task_id: str
    num_agents: int
    agent_responses: tuple[AgentResponse, ...]  # the N answers, each with its judged quality
    calls: tuple[AgentResponse, ...]  # every call made (answers and judge calls)
    consensus_rate: float | None
    truncated: int  # answers longer than the embedding model's window
    measured_in_run: str
    duration_s: float = 0.0
    timestamp: datetime = field(default_factory=_now)

    @property
    def quality_scores(self) -> tuple[float | None, ...]:
        return tuple(r.quality for r in self.agent_responses)

    @property
    def judged_scores(self) -> tuple[float, ...]:
        return tuple(q for q in self.quality_scores if q is not None)

    @property
    def mean_quality(self) -> float | None:
        scores = self.judged_scores
        return sum(scores) / len(scores) if scores else None

    @property
    def best_quality(self) -> float | None:
        scores = self.judged_scores
        return max(scores) if scores else None

    @property
    def judge_error(self) -> str | None:
        errors = [r.judge_error for r in self.agent_responses if r.judge_error]
        return errors[0] if errors else None


@dataclass(frozen=True)
class StrategyResult:
    """One strategy's final answer on one task, judged, with the agents' answers it came from."""

    task_id: str
    strategy: str
    num_agents: int
    rounds: int
    final_answer: str
    agent_responses: tuple[AgentResponse, ...]  # the answers consensus is measured on
    calls: tuple[AgentResponse, ...]  # every call made (agents, aggregator, judge)
    judgement: Judgement
    consensus_rate: float | None
    truncated: int
    measured_in_run: str
    arbitration: str | None = None  # how a vote without quorum was settled
    duration_s: float = 0.0
    timestamp: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class CoordinationMetrics:
    """One strategy against the independent baseline and the majority vote on one task.

    gamma = coordinated / mean baseline quality, omega = coordinated - best baseline quality,
    gain_over_vote = coordinated - vote quality; each None when a term is missing (never guessed).
    """

    task_id: str
    task: str
    strategy: str
    num_agents: int
    gamma: float | None
    omega: float | None
    gain_over_vote: float | None
    consensus_rate: float | None
    baseline_quality: float | None
    best_baseline_quality: float | None
    coordinated_quality: float | None
    vote_quality: float | None
    coordinated_response: str
    agent_responses: tuple[AgentResponse, ...]
    judge_error: str | None = None
    coordinated_quality_std: float | None = None  # across judge repeats
    timestamp: datetime = field(default_factory=_now)

    def is_coordination_effective(self) -> bool:
        """Coordination beat the independent agents (gamma > 1). Unknown gamma is not effective."""
        return self.gamma is not None and self.gamma > 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "strategy": self.strategy,
            "gamma": self.gamma,
            "omega": self.omega,
            "gain_over_vote": self.gain_over_vote,
            "consensus_rate": self.consensus_rate,
            "baseline_quality": self.baseline_quality,
            "best_baseline_quality": self.best_baseline_quality,
            "coordinated_quality": self.coordinated_quality,
            "coordinated_quality_std": self.coordinated_quality_std,
            "vote_quality": self.vote_quality,
            "coordination_effective": self.is_coordination_effective(),
            "judge_error": self.judge_error,
            "task": self.task,
            "num_agents": self.num_agents,
            "timestamp": self.timestamp.isoformat(),
        }
