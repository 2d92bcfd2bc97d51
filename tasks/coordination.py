"""Coordination tasks: plan the run, measure baselines and strategies (cached), build rows, publish.

Measurements are cached with a Prefect cache policy and persisted results. The key is the
request's ``cache_key`` (task text and reference, num_agents, backend, model, temperature, prompt
templates, judge, config_version; strategy and rounds for a strategy), never the run id or any
other input. Keys are computed and checked when the run is planned: Prefect turns an error inside
a cache policy into "not cached", so an input that cannot be hashed must fail before that.
One measurement is one task run because it is the unit the cache stores (N agent calls + judging).
The runtime (backend, ledger, breakers, judge, embeddings) is a per-process resource.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE, CachePolicy
from prefect.context import TaskRunContext

from cert_core.config import CertConfig, get_settings
from cert_core.coordination import (
    BaselineMeasurement,
    CoordinationRow,
    CoordinationRuntime,
    MeasurementRequest,
    StrategyResult,
    StrategySummary,
    TaskOutcome,
    agent_response_rows,
    build_runtime,
    evaluate_task,
    measure_baseline,
    measure_strategy,
    resolve_judge,
    summarize,
)
from cert_core.coordination.plan import CoordinationPlan, plan_run, reject_rows
from cert_core.observability import METRICS
from cert_core.resources import process_resource
from tasks.llm import PrefectRequestLimiter, configured_call_llm

__all__ = [
    "MeasurementCachePolicy",
    "RunRows",
    "baseline_task",
    "build_rows_task",
    "cache_dir",
    "measured",
    "plan_coordination_task",
    "publish_coordination_summary_task",
    "strategy_task",
]


@dataclass
class MeasurementCachePolicy(CachePolicy):
    """The key is the ``request`` input's cache_key and nothing else (no run id, no other input)."""

    def compute_key(self, task_ctx: TaskRunContext, inputs: dict[str, Any], flow_parameters: dict[str, Any],
                    **kwargs: Any) -> str | None:
        request = inputs.get("request")
        if not isinstance(request, MeasurementRequest):
            raise TypeError("a coordination measurement task needs a MeasurementRequest named 'request'")
        return f"coordination-{request.cache_key}"


def _runtime(config: CertConfig, backend: str | None, judge: str | None) -> CoordinationRuntime:
    settings = get_settings()
    key_value = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    key = ("coordination", config.config_version, backend, judge, str(settings.state_dir),
           settings.effective_ledger_url, settings.anthropic_base_url,
           hashlib.sha256(key_value.encode()).hexdigest()[:12])
    return process_resource(
        key,
        lambda: build_runtime(config, settings, backend, judge,
                              limiter=PrefectRequestLimiter.from_config(config.llm, strict=True)),
        close=CoordinationRuntime.close,
    )


def cache_dir(config: CertConfig) -> Path:
    configured = config.coordination.baseline_cache.storage_dir
    return Path(configured) if configured else get_settings().state_dir / "coordination-cache"


@task(name="plan-coordination", cache_policy=NONE)
def plan_coordination_task(config: CertConfig, tasks_path: str, num_agents: int, strategy: str | list[str],
                           rounds: int, backend: str | None, judge: str | None) -> CoordinationPlan:
    """Check the arguments, read the tasks, build the runtime (a missing key fails here), compute the keys."""
    runtime = _runtime(config, backend, judge)
    judge_name = resolve_judge(judge, runtime.backend_name, config)
    return plan_run(config, tasks_path, num_agents=num_agents, strategy=strategy, rounds=rounds,
                    backend=str(runtime.backend_name), backend_reason=runtime.choice.reason, model=runtime.model_id,
                    judge_name=judge_name, judge_identity=runtime.judge.identity())


# The two measurement tasks are the only cached tasks of the project: a rerun must not pay again.
@task(name="coordination-baseline", cache_policy=MeasurementCachePolicy(), persist_result=True, retries=0,
      tags=["coordination", "llm"])
def baseline_task(request: MeasurementRequest, run_id: str, config: CertConfig, backend: str | None,
                  judge: str | None) -> BaselineMeasurement:
    """``backend`` and ``judge`` as the run asked for them (they pick this process's runtime; not in the key)."""
    runtime = _runtime(config, backend, judge)
    return measure_baseline(request, runtime, run_id=run_id, call=configured_call_llm(config.llm))


@task(name="coordination-strategy", cache_policy=MeasurementCachePolicy(), persist_result=True, retries=0,
      tags=["coordination", "llm"])
def strategy_task(request: MeasurementRequest, run_id: str, config: CertConfig, backend: str | None,
                  judge: str | None) -> StrategyResult:
    runtime = _runtime(config, backend, judge)
    return measure_strategy(request, runtime, run_id=run_id, call=configured_call_llm(config.llm))


def measured(measure_task, config: CertConfig, force_refresh: bool):
    """The measurement task with this run's cache storage and expiry; ``force_refresh`` recomputes."""
    return measure_task.with_options(
        result_storage=cache_dir(config),
        cache_expiration=timedelta(hours=config.coordination.baseline_cache.expiration_hours),
        refresh_cache=force_refresh,
    )


@dataclass(frozen=True)
class RunRows:
    rows: tuple[CoordinationRow, ...]
    coordination_runs: list[dict[str, Any]]
    agent_responses: list[dict[str, Any]]
    summaries: tuple[StrategySummary, ...]


@task(name="coordination-rows", cache_policy=NONE)
def build_rows_task(outcomes: list[TaskOutcome], plan: CoordinationPlan, config: CertConfig, run_id: str) -> RunRows:
    run_at = datetime.now(UTC)
    rows = tuple(r for o in outcomes for r in evaluate_task(o, config.coordination, run_id))
    runs = [r.as_row(run_id=run_id, num_agents=plan.num_agents, backend=plan.backend, model=plan.model,
                     config_version=config.config_version, run_at=run_at) for r in rows]
    runs += reject_rows(plan, run_id=run_id, config_version=config.config_version, run_at=run_at)
    calls = agent_response_rows(rows, run_id=run_id, config_version=config.config_version, created_at=run_at)
    summaries = tuple(summarize(rows, resamples=config.coordination.bootstrap_resamples,
                                seed=config.coordination.bootstrap_seed))
    return RunRows(rows, runs, calls, summaries)


@task(name="publish-coordination-summary", cache_policy=NONE)
def publish_coordination_summary_task(result: RunRows, plan: CoordinationPlan, paths: list[str]) -> None:
    for row in result.rows:
        if row.metrics is not None and row.metrics.gamma is not None:
            METRICS.coordination_gamma.observe(row.metrics.gamma)
    table = [s.as_table_row() for s in result.summaries]
    label = " (SIMULATED: no real LLM was called)" if plan.backend == "simulated" else ""
    create_table_artifact(key="coordination-summary", table=table,
                          description=f"Coordination on the {plan.backend} backend{label}, judge: {plan.judge}")
    lines = [
        f"# Coordination: {', '.join(plan.strategies)} on {plan.backend}{label}",
        f"- model: `{plan.model}`; judge: {plan.judge}; agents: {plan.num_agents}; rounds: {plan.rounds}",
        f"- tasks: {len(plan.tasks)} (+{len(plan.rejects)} rejected lines) from `{plan.tasks_path}`",
        "", "| strategy | mean gamma | 95% CI | gain over vote | 95% CI | calls | cost $ |", "|---|---|---|---|---|---|---|",
    ]
    for row in table:
        lines.append(f"| {row['strategy']} | {row['mean_gamma']} | {row['gamma_95ci']} | {row['mean_gain_over_vote']} "
                     f"| {row['gain_95ci']} | {row['llm_calls']} | {row['cost_usd']} |")
    lines += ["", "A gamma above 1 means little unless it also beats the vote control (gain over vote > 0).",
              "", "Written:", *[f"- `{p}`" for p in paths]]
    create_markdown_artifact(key="coordination-report", markdown="\n".join(lines))
