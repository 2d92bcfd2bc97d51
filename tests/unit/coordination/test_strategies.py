"""Strategies and the baseline on a scripted in-process backend (real ledger, breaker and embeddings)."""

from __future__ import annotations

import threading

import pytest

from cert_core.coordination import BASELINE, CoordinationTask, make_request, measure_baseline, measure_strategy
from cert_core.errors import ServerError
from tests.support.coordination import CoordinationScript, scripted_runtime

TASK = CoordinationTask("t1", "What is 6 * 7?", "42")


def request(runtime, strategy, agents=3, rounds=2, task=TASK):
    return make_request(task, strategy, num_agents=agents, rounds=rounds, backend="simulated", model="scripted",
                        judge=runtime.judge.identity(), judge_name=runtime.judge.name,
                        config=runtime.config.coordination, config_version=runtime.config.config_version)


@pytest.fixture()
def make(config, ledger_url):
    made = []

    def build(script, judge="reference", cfg=None):
        runtime = scripted_runtime(cfg or config, ledger_url, script, judge)
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.agents_llm.controller.close()


def test_baseline_judges_each_independent_answer(make):
    script = CoordinationScript({TASK.task: "42"}, wrong=frozenset({2}))
    runtime = make(script)
    b = measure_baseline(request(runtime, BASELINE), runtime, run_id="run-1")
    assert b.quality_scores == (1.0, 0.0, 1.0) and b.mean_quality == pytest.approx(2 / 3) and b.best_quality == 1.0
    assert [r.agent_id for r in b.agent_responses] == ["agent_0", "agent_1", "agent_2"]
    assert len(b.calls) == 3 and all(c.phase == "baseline" for c in b.calls)
    assert b.measured_in_run == "run-1" and 0.0 < b.consensus_rate < 1.0
    systems = sorted(r["system"] for r in script.requests)
    assert systems[0].startswith("You are agent 1 of 3") and systems[2].startswith("You are agent 3 of 3")
    usage = runtime.agents_llm.controller.ledger.usage()
    assert usage.daily_tokens == sum(c.input_tokens + c.output_tokens for c in b.calls)  # committed, not held


def test_sequential_chain_sees_the_previous_output(make):
    script = CoordinationScript({TASK.task: "42"}, wrong=frozenset({1}))
    runtime = make(script)
    r = measure_strategy(request(runtime, "sequential"), runtime, run_id="run-1")
    prompts = [q["text"] for q in script.requests]
    assert len(r.calls) == 3 and len(prompts) == 3
    assert "previous agent answered" not in prompts[0]
    assert "The previous agent answered:\nI think it is 41. The answer is 41." in prompts[1]
    assert "The previous agent answered:\nWorking it out step by step. The answer is 42." in prompts[2]
    assert r.final_answer.endswith("The answer is 42.") and r.judgement.quality == 1.0


def test_parallel_agents_answer_at_once_then_the_aggregator_combines(make):
    barrier = threading.Barrier(3, timeout=10)  # breaks (and fails the calls) unless all three are in flight
    task = CoordinationTask("tp", "What is 617 * 2?", "1234")  # answers no other test encodes
    script = CoordinationScript({task.task: "1234"}, wrong=frozenset({3}), wrong_answer="1233")

    def concurrent(body):
        if "agent" in (body.get("system") or "") and "Agent answers:" not in body["messages"][0]["content"]:
            barrier.wait()
        return script(body)

    runtime = make(concurrent)
    before = (runtime.embeddings.stats.model_calls, runtime.embeddings.stats.texts_encoded)
    r = measure_strategy(request(runtime, "parallel", task=task), runtime, run_id="run-1")
    stats = runtime.embeddings.stats
    # consensus of the three answers: one batched encode (the two identical answers encoded once)
    assert (stats.model_calls - before[0], stats.texts_encoded - before[1]) == (1, 2)
    assert [c.agent_id for c in r.calls][-1] == "aggregator" and len(r.calls) == 4
    aggregate = script.requests[-1]["text"]
    assert "Agent 1: Working it out" in aggregate and "Agent 3: I think it is 1233" in aggregate
    assert r.arbitration == "aggregator" and r.judgement.quality == 1.0 and len(r.agent_responses) == 3


def test_debate_rounds_see_the_others_and_a_quorum_needs_no_arbiter(make):
    script = CoordinationScript({TASK.task: "42"}, wrong=frozenset({1, 2}))
    runtime = make(script)
    r = measure_strategy(request(runtime, "debate", rounds=2), runtime, run_id="run-1")
    assert len(r.calls) == 6 and {c.round for c in r.calls} == {0, 1}
    second = [q for q in script.requests if "other agents answered" in q["text"]]
    assert len(second) == 3
    agent1 = next(q["text"] for q in second if q["system"].startswith("You are agent 1 "))
    assert "Agent 2: I think it is 41" in agent1 and "Agent 3: Working" in agent1 and "Agent 1:" not in agent1
    assert "Your previous answer was:\nI think it is 41. The answer is 41." in agent1
    assert r.arbitration is None and r.judgement.quality == 1.0  # round 2 agrees on 42


def test_debate_without_quorum_asks_the_aggregator(make):
    answers = iter(["1", "2", "3", "4", "5", "6"])
    lock = threading.Lock()

    def split(body):
        if "combine" in (body.get("system") or ""):
            return "The answer is 42."
        with lock:
            return f"The answer is {next(answers)}."

    runtime = make(split)
    r = measure_strategy(request(runtime, "debate", rounds=2), runtime, run_id="run-1")
    assert len(r.calls) == 7 and r.calls[-1].phase == "aggregate" and r.arbitration == "aggregator"
    assert r.final_answer == "The answer is 42." and r.judgement.quality == 1.0


def test_a_failed_agent_call_raises_with_the_calls_already_made(make):
    def flaky(body):
        if (body.get("system") or "").startswith("You are agent 2 "):
            raise ServerError("500 after every retry")
        return "The answer is 42."

    runtime = make(flaky)
    with pytest.raises(ServerError) as info:
        measure_baseline(request(runtime, BASELINE), runtime, run_id="run-1")
    calls = info.value.context["calls"]
    assert sorted(c.agent_id for c in calls) == ["agent_0", "agent_2"]  # the others finished and are reported
    assert runtime.agents_llm.controller.ledger.usage().daily_tokens == sum(c.input_tokens + c.output_tokens
                                                                            for c in calls)  # the hold was released


def test_the_cost_cap_stops_a_measurement_as_cost_limited(make, config):
    # one agent call holds about $0.0035 (256 output tokens at $15/M, x0.9 at low load): a $0.002 cap denies it
    tight = config.model_copy(update={"energy_governance": config.energy_governance.model_copy(update={
        "budget_limits": config.energy_governance.budget_limits.model_copy(update={"hourly_cost_limit_usd": 0.002})})})
    runtime = make(CoordinationScript({TASK.task: "42"}), cfg=tight)
    from cert_core.coordination import is_cost_limited
    from cert_core.errors import BudgetExceeded

    with pytest.raises(BudgetExceeded) as info:
        measure_baseline(request(runtime, BASELINE, agents=3), runtime, run_id="run-1")
    assert is_cost_limited(info.value) and info.value.context["cap"] == "hourly_cost"
    assert info.value.context["calls"] == ()
    assert runtime.agents_llm.controller.ledger.usage().hourly_cost_usd == 0.0
