"""A coordination run, planned before any call: the tasks, each one's requests and cache keys.

Planning checks the arguments against the config, reads the tasks file, and computes every cache
key, so a bad argument, an unreadable file or an input that cannot be hashed fails the run before
it spends anything. Rejected lines become error rows for every strategy of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import CertConfig
from .requests import BASELINE, MeasurementRequest, make_request, validate_run
from .task_source import TaskFile, TaskReject, read_tasks

__all__ = ["CoordinationPlan", "PlannedTask", "plan_run", "reject_rows"]


@dataclass(frozen=True)
class PlannedTask:
    baseline: MeasurementRequest
    strategies: tuple[MeasurementRequest, ...]  # coordinated strategies (the vote control needs none)


@dataclass(frozen=True)
class CoordinationPlan:
    tasks_path: str
    strategies: tuple[str, ...]  # every strategy with a row per task, vote last
    num_agents: int
    rounds: int
    backend: str
    backend_reason: str
    model: str
    judge: str  # llm | reference
    tasks: tuple[PlannedTask, ...]
    rejects: tuple[TaskReject, ...]


def plan_run(config: CertConfig, tasks_path: str, *, num_agents: int, strategy: str | list[str], rounds: int,
             backend: str, backend_reason: str, model: str, judge_name: str, judge_identity: str) -> CoordinationPlan:
    strategies = validate_run(config.coordination, num_agents, rounds, strategy)
    task_file: TaskFile = read_tasks(tasks_path, config.input_limits.max_line_bytes)

    def request(task, name: str) -> MeasurementRequest:
        return make_request(task, name, num_agents=num_agents, rounds=rounds, backend=backend, model=model,
                            judge=judge_identity, judge_name=judge_name, config=config.coordination,
                            config_version=config.config_version)

    planned = tuple(
        PlannedTask(request(task, BASELINE), tuple(request(task, s) for s in strategies if s != "vote"))
        for task in task_file.tasks
    )
    return CoordinationPlan(str(tasks_path), strategies, num_agents, rounds, backend, backend_reason, model,
                            judge_name, planned, task_file.rejects)


def reject_rows(plan: CoordinationPlan, *, run_id: str, config_version: str, run_at: datetime) -> list[dict[str, Any]]:
    """A rejected line is an error row for each strategy of the run, so every (task, strategy) has one row."""
    return [
        {"run_id": run_id, "task_id": r.task_id, "strategy": s, "num_agents": plan.num_agents, "backend": plan.backend,
         "model": plan.model, "llm_calls": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0,
         "duration_s": 0.0, "status": "error", "error_type": r.error_type, "error_message": r.error_message,
         "config_version": config_version, "flow_run_id": run_id, "run_at": run_at}
        for r in plan.rejects for s in plan.strategies
    ]
