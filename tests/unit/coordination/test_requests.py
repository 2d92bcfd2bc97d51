"""Cache keys cover what defines a measurement and nothing else; run arguments are checked."""

from __future__ import annotations

import pytest

from cert_core.config.coordination import AgentCall, CoordinationConfig
from cert_core.coordination import BASELINE, CoordinationTask, make_request, parse_strategies, stable_key, validate_run
from cert_core.errors import InvalidInputError

TASK = CoordinationTask("t1", "What is 2 + 2?", "4")
CONFIG = CoordinationConfig()
BASE = dict(num_agents=3, rounds=2, backend="anthropic", model="claude-sonnet-4-6", judge="llm|x", judge_name="llm",
            config=CONFIG, config_version="abc123")


def key(task=TASK, strategy=BASELINE, **changes):
    return make_request(task, strategy, **{**BASE, **changes}).cache_key


@pytest.mark.parametrize("change", [
    {"task": CoordinationTask("t1", "What is 2 + 3?", "4")},
    {"task": CoordinationTask("t1", "What is 2 + 2?", "5")},
    {"num_agents": 4},
    {"backend": "simulated"},
    {"model": "claude-haiku-4-5"},
    {"judge": "reference:..."},
    {"config_version": "def456"},
    {"config": CoordinationConfig(agent=AgentCall(temperature=0.1))},
    {"config": CoordinationConfig(agent=AgentCall(template="Q: {task}"))},
    {"config": CoordinationConfig(agent=AgentCall(system_prompt="Agent {agent}."))},
])
def test_every_field_of_the_baseline_key_changes_it(change):
    assert key(**change) != key()


def test_the_key_ignores_the_task_id_and_rounds_of_the_baseline_and_never_sees_a_run_id():
    assert key(task=CoordinationTask("other-id", "What is 2 + 2?", "4", kind="x", line_number=9)) == key()
    assert key(rounds=5) == key()
    assert len(key()) == 64


def test_strategy_keys_differ_from_the_baseline_and_by_strategy_and_debate_rounds():
    keys = {key(), key(strategy="parallel"), key(strategy="debate"), key(strategy="sequential"),
            key(strategy="debate", rounds=3)}
    assert len(keys) == 5
    assert key(strategy="parallel", rounds=5) == key(strategy="parallel")  # rounds do not apply to parallel
    assert key(strategy="debate", config=CoordinationConfig(debate_template="{task} {others} {own}")) != \
        key(strategy="debate")


@pytest.mark.parametrize(("material", "words"), [
    ({"task": "caf\udce9"}, "key.task: the text is not valid Unicode"),
    ({"temperature": float("nan")}, "key.temperature: the number nan"),
    ({"judge": object()}, "key.judge: a object has no canonical form"),
    ({"nested": {1: "x"}}, "the key 1 is not a string"),
])
def test_an_input_that_cannot_be_hashed_is_a_typed_error_never_a_weaker_key(material, words):
    with pytest.raises(InvalidInputError, match=words):
        stable_key(material)


def test_a_task_with_a_lone_surrogate_fails_when_the_run_is_planned():
    with pytest.raises(InvalidInputError, match="cannot compute the cache key"):
        key(task=CoordinationTask("t1", "broken \ud800 text", None))


def test_the_key_is_stable_and_order_independent():
    assert stable_key({"a": 1, "b": [1, 2.5, None, True]}) == stable_key({"b": [1, 2.5, None, True], "a": 1})
    assert stable_key({"a": 1}) != stable_key({"a": 1.5})


@pytest.mark.parametrize(("agents", "rounds", "words"), [
    (0, 2, "num_agents must be a whole number from 1 to 8"),
    (9, 2, r"num_agents must be a whole number from 1 to 8 \(coordination.max_agents\), got 9"),
    (3, 0, "rounds must be a whole number from 1 to 5"),
    (3, 6, "rounds must be"),
    (True, 2, "num_agents"),
    ("3", 2, "num_agents"),
])
def test_out_of_range_arguments_are_typed_errors(agents, rounds, words):
    with pytest.raises(InvalidInputError, match=words):
        validate_run(CONFIG, agents, rounds, "debate")


def test_strategies_parse_and_an_unknown_one_lists_the_known():
    assert parse_strategies("debate") == ("debate", "vote")
    assert parse_strategies("parallel, sequential,parallel") == ("parallel", "sequential", "vote")
    assert parse_strategies("all") == ("debate", "parallel", "sequential", "vote")
    assert parse_strategies(["vote"]) == ("vote",)
    with pytest.raises(InvalidInputError, match="unknown strategy 'chain'; known strategies: debate, parallel, "
                                                "sequential, vote"):
        parse_strategies("debate,chain")
    with pytest.raises(InvalidInputError, match="no strategy given"):
        parse_strategies(" , ")
