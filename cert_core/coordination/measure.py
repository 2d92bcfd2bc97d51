"""Measure one task: the independent baseline, a coordinated strategy, and the vote control.

The baseline asks N agents at once (each with its own number in the system prompt) and judges every
answer. A strategy runs its calls, then its final answer is judged. Both record every call; when a
call fails, the error is raised with ``context["calls"]``: the calls made before it, whose cost is
real and is reported. The vote control reuses the baseline and makes no calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..config.coordination import CoordinationConfig
from ..errors import CertError
from ..llm.governed import CallLLM, direct_call
from .agents import CallLog
from .prompts import agent_call
from .requests import BASELINE, MeasurementRequest
from .runtime import CoordinationRuntime
from .strategies import StrategyContext, get_strategy
from .types import AgentResponse, BaselineMeasurement, CoordinationTask, Judgement, StrategyResult

__all__ = ["measure_baseline", "measure_strategy", "vote_control"]


def _with_calls(exc: CertError, log: CallLog) -> None:
    exc.context["calls"] = log.snapshot()


def _merge(calls: tuple[AgentResponse, ...], judged: list[AgentResponse]) -> tuple[AgentResponse, ...]:
    by_tag = {r.tag: r for r in judged}
    return tuple(by_tag.get(c.tag, c) for c in calls)


def measure_baseline(request: MeasurementRequest, runtime: CoordinationRuntime, *, run_id: str,
                     call: CallLLM | Callable = direct_call) -> BaselineMeasurement:
    if request.strategy != BASELINE:
        raise CertError(f"measure_baseline got a {request.strategy!r} request")  # a wiring bug
    task, n = request.task, request.num_agents
    cfg = runtime.config.coordination
    log = CallLog()
    started = time.perf_counter()
    try:
        specs = [agent_call(cfg, task, i, n, phase="baseline", round=0, tag=f"baseline:a{i}") for i in range(n)]
        answers = runtime.caller(run_id, task.id, log, call).ask_all(specs)
        judgements = runtime.judge_answers(task, [a.response for a in answers], run_id=run_id, log=log, call=call,
                                           tag="baseline")
        judged = [a.judged(j) for a, j in zip(answers, judgements)]
        consensus, truncated = runtime.consensus([a.response for a in judged])
    except CertError as exc:
        _with_calls(exc, log)
        raise
    return BaselineMeasurement(task.id, n, tuple(judged), _merge(log.snapshot(), judged), consensus, truncated,
                               run_id, duration_s=time.perf_counter() - started)


def measure_strategy(request: MeasurementRequest, runtime: CoordinationRuntime, *, run_id: str,
                     call: CallLLM | Callable = direct_call) -> StrategyResult:
    strategy = get_strategy(request.strategy)
    task = request.task
    log = CallLog()
    started = time.perf_counter()
    try:
        context = StrategyContext(task, request.num_agents, request.rounds, runtime.config.coordination,
                                  runtime.caller(run_id, task.id, log, call))
        output = strategy.run(context)
        judgement = runtime.judge_answers(task, [output.final_answer], run_id=run_id, log=log, call=call,
                                          tag=f"{strategy.name}:final")[0]
        consensus, truncated = runtime.consensus([r.response for r in output.agent_responses])
    except CertError as exc:
        _with_calls(exc, log)
        raise
    return StrategyResult(task.id, strategy.name, request.num_agents, request.rounds, output.final_answer,
                          output.agent_responses, log.snapshot(), judgement, consensus, truncated, run_id,
                          output.arbitration, duration_s=time.perf_counter() - started)


def vote_control(task: CoordinationTask, baseline: BaselineMeasurement, config: CoordinationConfig, *,
                 run_id: str) -> StrategyResult:
    """The majority vote over the baseline's answers: judged already, no calls."""
    vote = get_strategy("vote")
    output = vote.run(StrategyContext(task, baseline.num_agents, 1, config, None, baseline))
    judgement = Judgement(output.quality, output.judge_error, "vote")
    return StrategyResult(task.id, "vote", baseline.num_agents, 1, output.final_answer, output.agent_responses,
                          (), judgement, baseline.consensus_rate, baseline.truncated, run_id, output.arbitration,
                          duration_s=0.0)
