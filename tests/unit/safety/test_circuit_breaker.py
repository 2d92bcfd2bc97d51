"""CircuitBreaker transitions on a fake clock, failure classification, registry lookups."""

from __future__ import annotations

import threading

import pytest

from cert_core.config.circuit_breakers import BreakerConfig, CircuitBreakersConfig
from cert_core.errors import BudgetExceeded, CircuitBreakerOpen, InvalidInputError, ServerError
from cert_core.observability import METRICS
from cert_core.safety import BreakerRegistry, CircuitBreaker, CircuitState

CFG = BreakerConfig(failure_threshold=3, recovery_timeout_seconds=60, half_open_max_calls=2, success_threshold=2)



def boom():
    raise ServerError("500 from the API")


def ok():
    return "ok"


def raise_(exc):
    raise exc


def _gauge(name: str) -> float:
    return METRICS.registry.get_sample_value("cert_circuit_breaker_state", {"name": name})



def fail_n(breaker, n):
    for _ in range(n):
        with pytest.raises(ServerError):
            breaker.call(boom)


def test_opens_after_consecutive_failures_and_fails_fast(clock):
    b = CircuitBreaker("t-open", CFG, clock=clock)
    fail_n(b, 2)
    assert b.call(ok) == "ok"  # a success resets the count
    fail_n(b, 2)
    assert b.state is CircuitState.CLOSED
    fail_n(b, 1)
    assert b.state is CircuitState.OPEN and _gauge("t-open") == 2
    calls = []
    clock.advance(15)
    with pytest.raises(CircuitBreakerOpen) as info:
        b.call(lambda: calls.append(1))
    assert calls == [] and info.value.retry_after == pytest.approx(45.0)
    assert "t-open" in info.value.message


def test_half_open_after_timeout_then_closes_after_successes(clock):
    b = CircuitBreaker("t-close", CFG, clock=clock)
    fail_n(b, 3)
    clock.advance(60)
    assert b.state is CircuitState.HALF_OPEN and _gauge("t-close") == 1
    assert b.call(ok) == "ok"
    assert b.state is CircuitState.HALF_OPEN
    b.call(ok)
    assert b.state is CircuitState.CLOSED and _gauge("t-close") == 0
    state = b.get_state()
    assert (state.times_opened, state.total_failures, state.total_rejections) == (1, 3, 0)


def test_failure_in_half_open_reopens_for_a_new_timeout(clock):
    b = CircuitBreaker("t-reopen", CFG, clock=clock)
    fail_n(b, 3)
    clock.advance(60)
    fail_n(b, 1)
    assert b.state is CircuitState.OPEN
    assert b.get_state().retry_after == pytest.approx(60.0)


def test_half_open_admits_at_most_max_calls(clock):
    b = CircuitBreaker("t-max", CFG, clock=clock)
    fail_n(b, 3)
    clock.advance(61)
    release = threading.Event()
    started = threading.Barrier(3)

    def slow():
        started.wait()
        release.wait()
        return "ok"

    threads = [threading.Thread(target=b.call, args=(slow,)) for _ in range(2)]
    for t in threads:
        t.start()
    started.wait()  # both trial calls are inside
    with pytest.raises(CircuitBreakerOpen, match="trial calls are taken"):
        b.call(ok)
    release.set()
    for t in threads:
        t.join()
    assert b.state is CircuitState.CLOSED


def test_bad_input_is_not_a_failure_but_is_raised(clock):
    b = CircuitBreaker("t-input", CFG, clock=clock)
    for exc in (InvalidInputError("empty prompt"), BudgetExceeded("over budget")) * 3:
        with pytest.raises(InvalidInputError):
            b.call(raise_, exc)
    assert b.state is CircuitState.CLOSED and b.get_state().failure_count == 0


def test_failure_classification_is_configurable(clock):
    b = CircuitBreaker("t-custom", CFG, clock=clock, is_failure=lambda e: isinstance(e, ServerError))
    for _ in range(5):
        with pytest.raises(KeyError):
            b.call(lambda: {}["x"])
    assert b.state is CircuitState.CLOSED


def test_disabled_breaker_passes_everything_through(clock):
    b = CircuitBreaker("t-off", BreakerConfig(enabled=False, failure_threshold=1), clock=clock)
    fail_n(b, 5)
    assert b.call(ok) == "ok"


def test_concurrent_calls_are_all_accounted_for(clock):
    b = CircuitBreaker("t-threads", BreakerConfig(failure_threshold=10_000), clock=clock)

    def hammer():
        for i in range(200):
            try:
                b.call(boom if i % 2 else ok)
            except ServerError:
                pass
    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state = b.get_state()
    assert state.total_calls == 800 and state.total_failures == 400


def test_registry_from_config_and_unknown_name():
    registry = BreakerRegistry.from_config(CircuitBreakersConfig())
    assert list(registry.states()) == ["fusion_primary", "judge_fusion"]
    assert registry.get("judge_fusion").config.failure_threshold == 3
    with pytest.raises(InvalidInputError, match="unknown circuit breaker 'fusion'; configured in circuit_breakers.yaml: fusion_primary, judge_fusion"):
        registry.get("fusion")


def test_registry_from_the_shipped_yaml(config_dir):
    from cert_core.config import load_config

    registry = BreakerRegistry.from_config(load_config(config_dir).circuit_breakers)
    assert registry.get("overlay_router").config.failure_threshold == 8
    assert set(registry.states()) == {"energy_governance", "fusion_primary", "judge_fusion", "overlay_router"}
