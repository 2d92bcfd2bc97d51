"""The coordination runtime: backend and judge choice, a separate judge model, run-wide checks."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from cert_core.config import get_settings
from cert_core.coordination import BASELINE, CoordinationTask, build_runtime, make_request, resolve_judge
from cert_core.errors import InvalidInputError
from cert_core.observability import METRICS
from tests.support.coordination import CoordinationScript, scripted_runtime


@pytest.fixture()
def settings(tmp_path):
    return get_settings(state_dir=tmp_path, anthropic_api_key=SecretStr("sk-test-key"),
                        anthropic_base_url="http://127.0.0.1:9")  # never called: building makes no request


def _with(config, **coordination):
    return config.model_copy(update={"coordination": config.coordination.model_copy(update=coordination)})


def test_auto_judge_is_reference_on_local_and_simulated_and_llm_on_anthropic(config):
    assert resolve_judge("auto", "simulated", config) == "reference"
    assert resolve_judge(None, "local", config) == "reference"
    assert resolve_judge("auto", "anthropic", config) == "llm"
    assert resolve_judge("llm", "simulated", config) == "llm"
    with pytest.raises(InvalidInputError, match="unknown judge 'gpt'"):
        resolve_judge("gpt", "simulated", config)


def test_a_separate_judge_model_judges_and_changes_the_cache_key(config, settings):
    judged = _with(config, judge=config.coordination.judge.model_copy(update={"model": "claude-haiku-4-5"}))
    plain = build_runtime(config, settings, "anthropic", "llm")
    separate = build_runtime(judged, settings, "anthropic", "llm")
    try:
        assert plain.judge_llm.backend is plain.agents_llm.backend
        assert separate.model_id == "claude-sonnet-4-6" and separate.judge_llm.model_id == "claude-haiku-4-5"
        task = CoordinationTask("t", "2 + 2?", "4")
        keys = {make_request(task, BASELINE, num_agents=3, rounds=1, backend="anthropic", model=r.model_id,
                             judge=r.judge.identity(), judge_name="llm", config=c.coordination,
                             config_version="v").cache_key for r, c in ((plain, config), (separate, judged))}
        assert len(keys) == 2
    finally:
        plain.close()
        separate.close()


@pytest.mark.parametrize(("change", "words"), [
    ({"priority": "urgent"}, "coordination.priority 'urgent' is unknown"),
    ({"breaker": "nope"}, "unknown circuit breaker 'nope'"),
])
def test_bad_run_wide_settings_fail_once_when_the_runtime_is_built(config, settings, change, words):
    with pytest.raises(InvalidInputError, match=words):
        build_runtime(_with(config, **change), settings, "simulated", None)


def test_calls_and_cost_are_counted_per_agent(config, ledger_url):
    from cert_core.coordination import measure_baseline

    task = CoordinationTask("m1", "What is 5 + 5?", "10")
    runtime = scripted_runtime(config, ledger_url, CoordinationScript({task.task: "10"}))
    calls = METRICS.coordination_api_calls.labels(agent="agent_1", status="success")
    cost = METRICS.coordination_cost.labels(agent="agent_1")
    before = (calls._value.get(), cost._value.get())
    request = make_request(task, BASELINE, num_agents=2, rounds=1, backend="simulated", model="scripted",
                           judge=runtime.judge.identity(), judge_name="reference", config=config.coordination,
                           config_version="v")
    b = measure_baseline(request, runtime, run_id="run-m")
    runtime.agents_llm.controller.close()
    agent_1 = next(c for c in b.calls if c.agent_id == "agent_1")
    assert calls._value.get() - before[0] == 1
    assert cost._value.get() - before[1] == pytest.approx(agent_1.cost_usd)
