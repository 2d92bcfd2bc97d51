from __future__ import annotations

import logging

import pytest

from cert_core.errors import InvalidInputError
from cert_core.llm import Completion, LLMBackend, Message, SimulatedBackend
from tests.support.backends import llm_config


def backend(max_prompt_chars: int = 200_000, sleep=None, **simulated) -> SimulatedBackend:
    """The simulated section of llm.yaml with these values (instant unless latency_ms is given)."""
    config = llm_config(simulated={"latency_ms": 0.0, **simulated}, max_prompt_chars=max_prompt_chars)
    return SimulatedBackend(config, sleep=sleep) if sleep else SimulatedBackend(config)


def test_same_request_same_answer():
    a = backend(seed=3).complete("Plan the launch?", max_tokens=200, temperature=0.7, system="be brief")
    b = backend(seed=3).complete("Plan the launch?", max_tokens=200, temperature=0.7, system="be brief")
    assert a == b


def test_seed_system_and_messages_each_change_the_answer():
    base = backend(seed=3).complete("Plan the launch?", max_tokens=200, temperature=0)
    assert backend(seed=4).complete("Plan the launch?", max_tokens=200, temperature=0).text != base.text
    assert backend(seed=3).complete("Plan the launch?", max_tokens=200, temperature=0, system="x").text != base.text
    assert backend(seed=3).complete("Plan the landing?", max_tokens=200, temperature=0).text != base.text


def test_it_is_always_labelled_simulated():
    result = backend().complete("hi", max_tokens=10, temperature=0)
    assert isinstance(backend(), LLMBackend)
    assert result.backend == "simulated" and result.model == "simulated" and result.simulated
    assert result.text.startswith("[simulated]")


def test_input_tokens_are_about_a_quarter_of_the_characters():
    # 400 chars -> ceil(400 / 4) = 100, plus 4 for the one message
    result = backend().complete("a" * 400, max_tokens=10, temperature=0)
    assert result.input_tokens == 104


def test_output_is_capped_by_max_tokens_and_grows_with_complexity():
    capped = backend().complete("why? " * 50, max_tokens=7, temperature=0)
    assert capped.output_tokens == 7 and capped.stop_reason == "max_tokens"
    short = backend().complete("hi", max_tokens=4000, temperature=0)
    long = backend().complete("why does this fail? " * 20, max_tokens=4000, temperature=0)
    assert long.output_tokens > short.output_tokens


def test_cost_comes_from_the_simulated_price():
    result = backend().complete("a" * 400, max_tokens=10, temperature=0)
    # 104 * 3 / 1e6 + 10 * 15 / 1e6 = 0.000312 + 0.00015
    assert result.output_tokens == 10
    assert result.cost_usd == pytest.approx(0.000462, abs=1e-9)


def test_latency_is_simulated_by_sleeping():
    slept: list[float] = []
    result = backend(latency_ms=100.0, sleep=slept.append).complete("hi", max_tokens=10, temperature=0)
    assert len(slept) == 1 and slept[0] == pytest.approx(result.latency_ms / 1000.0)
    assert 40.0 <= result.latency_ms <= 66.0  # 100 * (0.5 + 10/200) * [0.8, 1.2]


def test_construction_logs_that_it_is_simulated(caplog):
    with caplog.at_level(logging.INFO, logger="cert.llm.simulated"):
        backend()
    assert any("SIMULATED" in r.getMessage() for r in caplog.records)


def test_message_objects_and_mappings_are_accepted():
    a = backend().complete([Message("user", "hi")], max_tokens=10, temperature=0)
    b = backend().complete([{"role": "user", "content": "hi"}], max_tokens=10, temperature=0)
    assert isinstance(a, Completion) and a == b


@pytest.mark.parametrize(("messages", "kwargs", "match"), [
    ("", {}, "empty"),
    ("   ", {}, "empty"),
    ([], {}, "empty"),
    ("x" * 101, {}, "above the limit of 100"),
    ("hi", {"max_tokens": 0}, "max_tokens"),
    ("hi", {"max_tokens": -5}, "max_tokens"),
    ("hi", {"temperature": 3.0}, "temperature"),
    ("hi", {"temperature": "hot"}, "temperature"),
    ("hi", {"temperature": float("nan")}, "temperature"),
    ([{"role": "system", "content": "x"}], {}, "role"),
    ([Message("assistant", "hello")], {}, "last message"),
])
def test_bad_requests_are_typed_errors(messages, kwargs, match):
    args = {"max_tokens": 10, "temperature": 0.0, **kwargs}
    with pytest.raises(InvalidInputError, match=match):
        backend(max_prompt_chars=100).complete(messages, **args)


def test_system_prompt_counts_towards_the_size_limit():
    with pytest.raises(InvalidInputError, match="above the limit"):
        backend(max_prompt_chars=100).complete("x" * 60, max_tokens=10, temperature=0, system="y" * 60)
