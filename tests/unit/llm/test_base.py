"""BaseBackend: validation, timing, pricing and metrics happen once, in complete(), for every backend."""

from __future__ import annotations

import pytest

from cert_core.errors import InvalidInputError, ServerError
from cert_core.llm import BaseBackend, Generation
from cert_core.llm.registry import BackendName
from cert_core.observability import METRICS
from tests.support.backends import llm_config


class Scripted(BaseBackend):
    """A backend whose _generate returns or raises what the test says."""

    backend_name = BackendName.SIMULATED

    def __init__(self, *outcomes) -> None:
        super().__init__(llm_config(max_prompt_chars=50), "simulated")  # 3 $/M input, 15 $/M output
        self.outcomes = list(outcomes)
        self.calls = 0

    def _generate(self, messages, *, max_tokens, temperature, system):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _value(name: str, labels: dict) -> float:
    return METRICS.registry.get_sample_value(name, labels) or 0.0


def test_complete_prices_times_and_counts_each_call_once():
    labels = {"backend": "simulated", "direction": "input"}
    before = (_value("cert_llm_tokens_total", labels), _value("cert_llm_calls_total", {"backend": "simulated", "status": "ok"}),
              _value("cert_llm_cost_usd_total", {"backend": "simulated", "model": "simulated"}))
    backend = Scripted(Generation("answer", input_tokens=1000, output_tokens=200, stop_reason="end_turn", attempts=2))
    completion = backend.complete("question?", max_tokens=300, temperature=0.0)
    # 1000 * 3 / 1e6 + 200 * 15 / 1e6 = 0.006
    assert completion.cost_usd == pytest.approx(0.006) and completion.cost_usd == backend.price(1000, 200)
    assert (completion.backend, completion.model, completion.attempts) == ("simulated", "simulated", 2)
    assert completion.latency_ms >= 0
    assert _value("cert_llm_tokens_total", labels) - before[0] == 1000
    assert _value("cert_llm_calls_total", {"backend": "simulated", "status": "ok"}) - before[1] == 1
    assert _value("cert_llm_cost_usd_total", {"backend": "simulated", "model": "simulated"}) - before[2] == \
        pytest.approx(0.006)


def test_a_reported_latency_is_kept_and_a_failure_is_counted_by_type():
    before = _value("cert_llm_calls_total", {"backend": "simulated", "status": "ServerError"})
    backend = Scripted(Generation("a", 1, 1, latency_ms=123.4567), ServerError("500"))
    assert backend.complete("q", max_tokens=5, temperature=0).latency_ms == 123.457
    with pytest.raises(ServerError):
        backend.complete("q", max_tokens=5, temperature=0)
    assert _value("cert_llm_calls_total", {"backend": "simulated", "status": "ServerError"}) - before == 1


def test_bad_requests_never_reach_the_backend():
    backend = Scripted()
    for messages, kwargs in [("", {}), ("x" * 51, {}), ("q", {"max_tokens": 0}), ("q", {"temperature": -1})]:
        with pytest.raises(InvalidInputError):
            backend.complete(messages, **{"max_tokens": 5, "temperature": 0.0, **kwargs})
    assert backend.calls == 0


def test_a_model_without_a_price_fails_at_construction():
    from cert_core.errors import ConfigError

    class Unpriced(Scripted):
        def __init__(self) -> None:
            BaseBackend.__init__(self, llm_config(), "claude-unknown-9")

    with pytest.raises(ConfigError, match="no price for model 'claude-unknown-9'"):
        Unpriced()
