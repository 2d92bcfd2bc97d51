"""The vote, gamma/omega/gain_over_vote with missing terms, rows per task, and the bootstrap summary."""

from __future__ import annotations

import pytest

from cert_core.config.coordination import CoordinationConfig
from cert_core.coordination import (
    AgentResponse,
    BaselineMeasurement,
    CoordinationTask,
    Failure,
    Judgement,
    StrategyResult,
    TaskOutcome,
    evaluate_task,
    gamma_omega_gain,
    summarize,
)
from cert_core.coordination.summary import bootstrap_mean
from cert_core.statuses import CoordinationStatus
from cert_core.coordination.voting import majority_vote
from cert_core.errors import BudgetExceeded, ServerError

CONFIG = CoordinationConfig()
TASK = CoordinationTask("t1", "What is 6 * 7?", "42")


def answer(agent: int, text: str, quality: float | None, *, phase="baseline", judge_error=None, cost=0.01):
    return AgentResponse(f"agent_{agent}", phase, 0, text, 10, 5, cost, 100.0, "m", quality,
                         judge_error=judge_error, tag=f"{phase}:a{agent}")


def baseline(qualities, texts=None, run="run-1"):
    texts = texts or [f"The answer is {42 if q else 41}." for q in qualities]
    answers = tuple(answer(i, t, q) for i, (t, q) in enumerate(zip(texts, qualities)))
    return BaselineMeasurement("t1", len(answers), answers, answers, 0.9, 0, run, duration_s=1.5)


def result(strategy: str, quality: float | None, run="run-1", error=None, calls=2):
    judge = Judgement(quality, error, "numeric")
    made = tuple(answer(i, "x", None, phase="coordinated") for i in range(calls))
    return StrategyResult("t1", strategy, 3, 2, "The answer is 42.", made, made, judge, 0.8, 1, run, duration_s=2.0)


def test_majority_vote_with_quorum_plurality_and_abstention():
    assert majority_vote(["The answer is 42", "answer: 42.", "The answer is 41"], 0.51).winner == "42"
    tie = majority_vote(["The answer is 1", "The answer is 2", "The answer is 3"], 0.51)
    assert (tie.winner, tie.quorum, tie.arbitration) == ("1", False, "weighted_plurality")  # deterministic
    split = majority_vote(["The answer is 5", "The answer is 5", "The answer is 6", "The answer is 6"], 0.51)
    assert not split.quorum and split.winner == "5" and split.members == (0, 1)
    blank = majority_vote(["The answer is 9", "", ""], 0.51)  # abstainers still count in the total weight
    assert (blank.winner, blank.quorum, round(blank.support, 3)) == ("9", False, 0.333)
    nobody = majority_vote(["", "  "], 0.51)
    assert nobody.winner is None and nobody.members == (0, 1)


def test_gamma_omega_gain_by_hand_and_with_missing_terms():
    assert gamma_omega_gain(0.9, 0.6, 0.8, 0.7) == pytest.approx((1.5, 0.1, 0.2))
    assert gamma_omega_gain(None, 0.6, 0.8, 0.7) == (None, None, None)
    assert gamma_omega_gain(0.9, None, None, None) == (None, None, None)
    assert gamma_omega_gain(0.5, 0.0, 0.0, 0.0) == (None, 0.5, 0.5)  # a zero baseline leaves gamma undefined


def test_rows_of_a_task_compare_each_strategy_with_the_baseline_and_the_vote():
    outcome = TaskOutcome(TASK, baseline([1.0, 1.0, 0.0]), (("debate", result("debate", 1.0)),
                                                            ("parallel", result("parallel", 0.0))))
    rows = {r.strategy: r for r in evaluate_task(outcome, CONFIG, "run-1")}
    assert list(rows) == ["debate", "parallel", "vote"]
    debate, parallel, vote = rows["debate"].metrics, rows["parallel"].metrics, rows["vote"].metrics
    assert debate.baseline_quality == pytest.approx(2 / 3) and debate.best_baseline_quality == 1.0
    assert debate.vote_quality == 1.0  # two of three said 42
    assert debate.gamma == pytest.approx(1.5) and debate.omega == 0.0 and debate.gain_over_vote == 0.0
    assert debate.is_coordination_effective()
    assert parallel.gamma == 0.0 and parallel.gain_over_vote == -1.0 and not parallel.is_coordination_effective()
    assert vote.coordinated_quality == 1.0 and vote.gamma == pytest.approx(1.5) and vote.gain_over_vote == 0.0
    # this run measured everything: calls are counted, nothing came from the cache
    assert len(rows["debate"].calls) == 2 and len(rows["vote"].calls) == 3
    assert rows["vote"].baseline_cached is False and rows["debate"].coordinated_cached is False
    row = rows["debate"].as_row(run_id="run-1", num_agents=3, backend="b", model="m", config_version="v", run_at=None)
    assert (row["llm_calls"], row["input_tokens"], row["output_tokens"], row["cost_usd"]) == (2, 20, 10, 0.02)
    assert debate.to_dict()["coordination_effective"] is True and debate.to_dict()["gamma"] == pytest.approx(1.5)


def test_cached_measurements_count_no_calls():
    outcome = TaskOutcome(TASK, baseline([1.0, 0.0, 0.0], run="run-0"), (("debate", result("debate", 1.0, "run-0")),))
    rows = {r.strategy: r for r in evaluate_task(outcome, CONFIG, "run-1")}
    assert rows["debate"].calls == () and rows["vote"].calls == () and rows["debate"].duration_s == 0.0
    assert rows["debate"].baseline_cached and rows["debate"].coordinated_cached
    assert rows["debate"].baseline_run_id == "run-0"
    assert rows["vote"].metrics.vote_quality == 0.0  # 41 won two to one


def test_judge_failures_are_null_never_scored():
    b = baseline([None, 1.0, 1.0])
    b = BaselineMeasurement("t1", 3, (answer(0, "The answer is 42", None, judge_error="unreadable judge reply"),
                                      *b.agent_responses[1:]), b.calls, 0.9, 0, "run-1")
    outcome = TaskOutcome(TASK, b, (("debate", result("debate", None, error="the judge call failed")),))
    rows = {r.strategy: r for r in evaluate_task(outcome, CONFIG, "run-1")}
    debate = rows["debate"].metrics
    assert debate.baseline_quality == 1.0  # the mean over judged scores only
    assert debate.coordinated_quality is None and debate.gamma is None and debate.gain_over_vote is None
    assert debate.judge_error == "debate: the judge call failed"
    assert rows["vote"].metrics.judge_error == "baseline agent_0: unreadable judge reply"
    assert rows["vote"].metrics.vote_quality == 1.0  # the voters' judged scores; the null one is left out


def test_failures_become_rows_with_their_status_and_keep_done_work():
    capped = BudgetExceeded("hourly_cost cap $1.0000 would be exceeded", context={"cap": "hourly_cost"})
    capped.context["calls"] = (answer(0, "x", None),)
    outcome = TaskOutcome(TASK, baseline([1.0, 1.0, 1.0]), (
        ("debate", Failure.from_exception(capped)),
        ("parallel", Failure.from_exception(ServerError("500 after retries"))),
        ("sequential", Failure.from_exception(BudgetExceeded("hourly_tokens cap", context={"cap": "hourly_tokens"}))),
    ))
    rows = {r.strategy: r for r in evaluate_task(outcome, CONFIG, "run-1")}
    assert rows["debate"].status == CoordinationStatus.COST_LIMITED and len(rows["debate"].calls) == 1
    assert rows["parallel"].status == CoordinationStatus.ERROR and rows["parallel"].error_type == "ServerError"
    assert rows["sequential"].status == CoordinationStatus.ERROR  # a token cap is not a cost cap
    assert rows["vote"].status == CoordinationStatus.OK

    no_baseline = TaskOutcome(TASK, Failure.from_exception(capped), (("debate", result("debate", 1.0)),))
    rows = {r.strategy: r for r in evaluate_task(no_baseline, CONFIG, "run-1")}
    assert rows["vote"].status == CoordinationStatus.COST_LIMITED and len(rows["vote"].calls) == 1
    assert rows["debate"].status == CoordinationStatus.COST_LIMITED
    assert rows["debate"].metrics.coordinated_quality == 1.0 and rows["debate"].metrics.gamma is None
    assert "the baseline failed" in rows["debate"].error_message


def test_bootstrap_interval_and_summary():
    assert bootstrap_mean([1.0], resamples=1000, seed=0) is None
    same = bootstrap_mean([0.5, 0.5, 0.5], resamples=1000, seed=0)
    assert (same.low, same.high) == (0.5, 0.5)
    ci = bootstrap_mean([0.0, 1.0] * 20, resamples=2000, seed=0)
    assert 0.3 < ci.low < 0.5 < ci.high < 0.7
    assert bootstrap_mean([0.0, 1.0] * 20, resamples=2000, seed=0) == ci  # seeded

    outcomes = [TaskOutcome(CoordinationTask(f"t{i}", "What is 6 * 7?", "42"), baseline([1.0, 0.0, 0.0]),
                            (("debate", result("debate", float(i % 2))),)) for i in range(10)]
    rows = [r for o in outcomes for r in evaluate_task(o, CONFIG, "run-1")]
    by = {s.strategy: s for s in summarize(rows, resamples=500, seed=1)}
    assert by["debate"].mean_gamma == pytest.approx(1.5)  # gamma is 0 or 3 on alternate tasks
    assert by["debate"].gamma_n == 10 and by["debate"].gamma_ci.low < 1.5 < by["debate"].gamma_ci.high
    assert by["debate"].mean_gain_over_vote == pytest.approx(0.5)  # the vote is 41 (quality 0) everywhere
    assert by["debate"].pooled_gamma == pytest.approx(0.5 / (1 / 3))
    assert by["debate"].llm_calls == 20 and by["vote"].llm_calls == 30
    assert by["vote"].mean_gain_over_vote == 0.0
