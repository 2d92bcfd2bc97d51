"""Flows: coordination_baseline (independent agents + the vote control) and coordinated_run.

    tasks.jsonl -> plan (arguments, tasks, cache keys) -> waves of tasks: per task the baseline (cached)
    and each strategy (cached) at once -> rows (gamma, omega, gain_over_vote, consensus) ->
    coordination_runs + agent_responses -> table and markdown artifacts

Measurements (each task's baseline and each strategy) run at most max_in_flight // num_agents at
once, so the calls in flight stay within the in-flight limit. When one meets a cost cap
(BudgetExceeded on hourly_cost or daily_cost), no further measurement starts: their rows are
``cost_limited`` and the work already done is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from cert_core.config import CertConfig
from cert_core.coordination import BASELINE, Failure, StrategySummary, TaskOutcome
from cert_core.coordination.plan import CoordinationPlan
from tasks.coordination import (
    baseline_task,
    build_rows_task,
    measured,
    plan_coordination_task,
    publish_coordination_summary_task,
    strategy_task,
)
from tasks.datasets import write_datasets_task
from tasks.fusion import ensure_llm_limits_task

from ._runtime import Progress, flow_context

DEFAULT_TASKS = "data/coordination/tasks.jsonl"


@dataclass(frozen=True)
class CoordinationRunResult:
    run_id: str
    backend: str
    backend_reason: str
    model: str
    judge: str
    strategies: tuple[str, ...]
    tasks: int
    rejected: int
    by_status: dict[str, int]
    llm_calls: int
    cost_usd: float
    summaries: tuple[StrategySummary, ...]
    coordination_runs_path: str
    agent_responses_path: str


def _outcome(future) -> object:
    value = future.result(raise_on_failure=False)
    return Failure.from_exception(value) if isinstance(value, BaseException) else value


def _measure(plan: CoordinationPlan, config: CertConfig, run_id: str, backend: str, judge: str,
             force_refresh: bool) -> list[TaskOutcome]:
    """Every task's baseline and strategies, at most ``window`` measurements at once, so the calls in
    flight stay within llm.rate_limits.max_in_flight; after a cost cap nothing new starts."""
    logger = get_run_logger()
    tasks = {BASELINE: measured(baseline_task, config, force_refresh),
             "strategy": measured(strategy_task, config, force_refresh)}
    jobs = [(i, r) for i, p in enumerate(plan.tasks) for r in (p.baseline, *p.strategies)]
    window = max(1, config.llm.rate_limits.max_in_flight // plan.num_agents)
    progress = Progress("coordination-progress", "measurements done", len(jobs))
    results: dict[tuple[int, str], object] = {}
    running: dict = {}
    stop: str | None = None
    for i, request in [*jobs, (None, None)]:
        while running and (request is None or len(running) >= window):  # wait for a slot (or, at the end, all)
            future = next(as_completed(list(running)))
            key = running.pop(future)
            results[key] = value = _outcome(future)
            if stop is None and isinstance(value, Failure) and value.cost_limited:
                stop = f"a cost cap was reached ({value.message[:160]})"
                logger.warning("cost cap reached: no new measurement starts; %s", value.message)
            progress.advance(len(results))
        if request is None:
            break
        if stop is not None:
            results[(i, request.strategy)] = _not_started(stop)
            continue
        task = tasks[BASELINE if request.strategy == BASELINE else "strategy"]
        running[task.submit(request, run_id, config, backend, judge)] = (i, request.strategy)
    progress.advance(len(jobs))
    logger.info("measured %d tasks (%d measurements, %d at once)", len(plan.tasks), len(jobs), window)
    return [TaskOutcome(p.baseline.task, results[(i, BASELINE)],
                        tuple((r.strategy, results[(i, r.strategy)]) for r in p.strategies))
            for i, p in enumerate(plan.tasks)]


def _not_started(reason: str) -> Failure:
    return Failure("BudgetExceeded", f"not started: {reason}; the work done before is kept", True)


def _run(tasks_path: str, num_agents: int, strategy: str | list[str], rounds: int, backend: str, judge: str,
         force_refresh: bool, results_dir: str | None, env: str | None, config_dir: str | None) -> CoordinationRunResult:
    with flow_context(config_dir, env, results_dir) as run:
        config = run.config
        ensure_llm_limits_task(config)
        plan = plan_coordination_task(config, tasks_path, num_agents, strategy, rounds, backend, judge)
        label = plan.backend.upper() if plan.backend == "simulated" else plan.backend
        run.logger.info("LLM backend: %s (%s): %s; judge: %s; strategies: %s", label, plan.model,
                        plan.backend_reason, plan.judge, ", ".join(plan.strategies))
        outcomes = _measure(plan, config, run.run_id, backend, judge, force_refresh)
        rows = build_rows_task(quote(outcomes), quote(plan), config, run.run_id)
        # both datasets publish together, or neither
        written = write_datasets_task(quote({"coordination_runs": rows.coordination_runs,
                                             "agent_responses": rows.agent_responses}), run.results_dir, run.run_id)
        paths = [str(part.path) for part in written]
        publish_coordination_summary_task(quote(rows), quote(plan), paths)
    by_status: dict[str, int] = {}
    for row in rows.coordination_runs:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    return CoordinationRunResult(
        run.run_id, plan.backend, plan.backend_reason, plan.model, plan.judge, plan.strategies, len(plan.tasks),
        len(plan.rejects), by_status, sum(r["llm_calls"] for r in rows.coordination_runs),
        round(sum(r["cost_usd"] for r in rows.coordination_runs), 6), rows.summaries, *paths,
    )


@flow(name="coordination-baseline", task_runner=ThreadPoolTaskRunner(max_workers=16), persist_result=False)
def coordination_baseline(
    tasks_path: str = DEFAULT_TASKS,
    num_agents: int = 3,
    backend: str = "auto",
    judge: str = "auto",
    force_refresh: bool = False,
    results_dir: str | None = None,
    env: str | None = None,
    config_dir: str | None = None,
) -> CoordinationRunResult:
    """N independent agents per task, each answer judged (cached), and the majority-vote control.

    Args:
        tasks_path: JSONL file of coordination tasks, relative to the project root or absolute.
        num_agents: Agents per task.
        backend: LLM backend: auto (anthropic if ANTHROPIC_API_KEY is set, else a configured local model, else simulated), anthropic, local or simulated.
        judge: Who scores answers: llm, reference, or auto (reference on local and simulated backends, llm on anthropic).
        force_refresh: Recompute the cached baseline instead of reading Prefect's cache.
        results_dir: Folder for the Parquet datasets; empty uses CERT_RESULTS_DIR (default data/results).
        env: Config environment: development, staging or production (empty uses CERT_ENV).
        config_dir: Folder of the YAML configs; empty uses configs/fusion.
    """
    return _run(tasks_path, num_agents, "vote", 1, backend, judge, force_refresh, results_dir, env, config_dir)


@flow(name="coordinated-run", task_runner=ThreadPoolTaskRunner(max_workers=16), persist_result=False)
def coordinated_run(
    tasks_path: str = DEFAULT_TASKS,
    num_agents: int = 3,
    strategy: str = "debate",
    rounds: int = 2,
    backend: str = "auto",
    judge: str = "auto",
    force_refresh: bool = False,
    results_dir: str | None = None,
    env: str | None = None,
    config_dir: str | None = None,
) -> CoordinationRunResult:
    """One or more strategies ("debate", "sequential,parallel", "all") next to the vote control, each
    against the baseline from the cache (or computed): gamma, omega, gain_over_vote, consensus_rate.

    Args:
        tasks_path: JSONL file of coordination tasks, relative to the project root or absolute.
        num_agents: Agents per task.
        strategy: sequential, parallel, debate, a comma list of them, or all.
        rounds: Debate rounds.
        backend: LLM backend: auto (anthropic if ANTHROPIC_API_KEY is set, else a configured local model, else simulated), anthropic, local or simulated.
        judge: Who scores answers: llm, reference, or auto (reference on local and simulated backends, llm on anthropic).
        force_refresh: Recompute the cached baseline instead of reading Prefect's cache.
        results_dir: Folder for the Parquet datasets; empty uses CERT_RESULTS_DIR (default data/results).
        env: Config environment: development, staging or production (empty uses CERT_ENV).
        config_dir: Folder of the YAML configs; empty uses configs/fusion.
    """
    return _run(tasks_path, num_agents, strategy, rounds, backend, judge, force_refresh, results_dir, env, config_dir)
