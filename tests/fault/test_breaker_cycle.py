"""The fusion breaker around the real SDK: opens under sustained failure, half-opens, closes."""

from __future__ import annotations

import time

import pytest

from cert_core.config.circuit_breakers import BreakerConfig
from cert_core.errors import CircuitBreakerOpen, ServerError
from cert_core.llm.governed import GuardedBackend
from cert_core.llm import TokenBucketLimiter
from cert_core.safety import CircuitBreaker, CircuitState
from tests.support.backends import anthropic_backend
from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan

pytestmark = pytest.mark.integration


def test_breaker_opens_half_opens_and_closes_against_the_loopback_api():
    plan = FaultPlan(rate=0.0, schedule=["server_error"] * 3)
    breaker = CircuitBreaker("fusion_primary", BreakerConfig(failure_threshold=3, recovery_timeout_seconds=0.5,
                                                             half_open_max_calls=1, success_threshold=1))
    with FakeMessagesAPI(faults=plan, latency_s=0.0) as server:
        backend = anthropic_backend(server.base_url, TokenBucketLimiter(6000, 4), max_attempts=1, timeout_s=2)
        guarded = GuardedBackend(backend, breaker)
        for _ in range(3):
            with pytest.raises(ServerError):
                guarded.complete("hi", max_tokens=8, temperature=0)
        assert breaker.state is CircuitState.OPEN
        sent = len(server.log)
        with pytest.raises(CircuitBreakerOpen) as info:
            guarded.complete("hi", max_tokens=8, temperature=0)
        assert len(server.log) == sent  # failed fast: no request reached the server
        assert 0 < info.value.retry_after <= 0.5
        time.sleep(0.6)
        assert breaker.state is CircuitState.HALF_OPEN
        assert guarded.complete("hi", max_tokens=8, temperature=0).text
        assert breaker.state is CircuitState.CLOSED
        backend.close()
