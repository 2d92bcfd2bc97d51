"""Coordination measurement: does coordinating agents beat the same agents working alone, and at what cost?

    tasks.jsonl -> per task: baseline (N independent agents, judged; cached) + each strategy (sequential,
    parallel, debate; judged; cached) + the vote control over the baseline -> gamma, omega,
    gain_over_vote, consensus_rate -> coordination_runs and agent_responses
"""

from .agents import AgentCaller, CallLog, CallSpec, is_cost_limited
from .judges import LLMJudge, ReferenceJudge
from .measure import measure_baseline, measure_strategy, vote_control
from .requests import BASELINE, MeasurementRequest, make_request, parse_strategies, stable_key, validate_run
from .results import CoordinationRow, Failure, TaskOutcome, agent_response_rows, evaluate_task, gamma_omega_gain
from .runtime import CoordinationRuntime, build_runtime, resolve_judge
from .strategies import STRATEGIES, Strategy, get_strategy
from .summary import StrategySummary, summarize
from .task_source import TaskFile, TaskReject, read_tasks
from .types import (
    AgentResponse,
    BaselineMeasurement,
    CoordinationMetrics,
    CoordinationTask,
    Judgement,
    StrategyResult,
)

__all__ = [
    "BASELINE",
    "STRATEGIES",
    "AgentCaller",
    "AgentResponse",
    "BaselineMeasurement",
    "CallLog",
    "CallSpec",
    "CoordinationMetrics",
    "CoordinationRow",
    "CoordinationRuntime",
    "CoordinationTask",
    "Failure",
    "Judgement",
    "LLMJudge",
    "MeasurementRequest",
    "ReferenceJudge",
    "Strategy",
    "StrategyResult",
    "StrategySummary",
    "TaskFile",
    "TaskOutcome",
    "TaskReject",
    "agent_response_rows",
    "build_runtime",
    "evaluate_task",
    "gamma_omega_gain",
    "get_strategy",
    "is_cost_limited",
    "make_request",
    "measure_baseline",
    "measure_strategy",
    "parse_strategies",
    "read_tasks",
    "resolve_judge",
    "stable_key",
    "summarize",
    "validate_run",
    "vote_control",
]
