"""Mixed faults through the real SDK: nothing is lost, every attempt is rate limited and reaches the server once."""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from cert_core.errors import CertError, LLMError
from cert_core.llm import Completion, TokenBucketLimiter
from tests.support.backends import anthropic_backend
from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan
from tests.support.limiters import CountingLimiter

pytestmark = pytest.mark.integration

SECRET = "sk-ant-fault-SECRET-55aa66bb77cc"
MIXED = {"rate_limited": 3, "overloaded": 3, "server_error": 3, "slow": 1, "drop": 0.5, "malformed": 0.5}
CALLS = 200
WINDOW_S = 1.0  # a scaled-down minute
PER_WINDOW = 50  # "requests per minute" within the scaled-down window
HEADROOM = 0.8  # the limiter aims at 40 per window: 250 ms of scheduling jitter would be needed to break 50


def run_calls(api: FakeMessagesAPI, limiter, calls: int) -> list[Completion | CertError]:
    backend = anthropic_backend(api.base_url, limiter, key=SECRET, rng=random.Random(1), max_attempts=3,
                                backoff_base_s=0.01, backoff_max_s=0.05, timeout_s=0.3)

    def one(i: int) -> Completion | CertError:
        try:
            return backend.complete(f"scenario {i}: what should we do?", max_tokens=32, temperature=0)
        except CertError as exc:
            return exc

    with backend, ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(calls)))


def test_thirty_percent_faults_every_call_accounted_for_and_the_rate_holds(caplog):
    limiter = CountingLimiter(TokenBucketLimiter(PER_WINDOW, 8, headroom=HEADROOM, period_s=WINDOW_S))
    plan = FaultPlan(rate=0.3, kinds=MIXED, seed=1)
    with caplog.at_level(logging.DEBUG):
        with FakeMessagesAPI(faults=plan, retry_after_s=0.01, slow_s=0.6) as api:
            results = run_calls(api, limiter, CALLS)
            log = api.log
            worst_window = api.max_in_window(WINDOW_S)
            api_outcomes = api.outcomes()

    # none lost: one result per call, each an ok Completion or a typed LLM error
    assert len(results) == CALLS
    ok = [r for r in results if isinstance(r, Completion)]
    failed = [r for r in results if not isinstance(r, Completion)]
    assert all(isinstance(r, LLMError) for r in failed)
    assert len(ok) > CALLS * 0.8, f"only {len(ok)} ok: {[type(r).__name__ for r in failed]}"
    assert {type(r).__name__ for r in failed} <= {"RateLimited", "Overloaded", "ServerError", "LLMTimeout",
                                                 "ConnectionDropped", "MalformedResponse"}

    # every attempt took a limiter slot and reached the server exactly once
    attempts = sum(r.attempts if isinstance(r, Completion) else r.context["attempts"] for r in results)
    assert len(log) == limiter.acquisitions == attempts
    faults = sum(1 for r in log if r.outcome != "ok")
    assert 0.2 < faults / len(log) < 0.4, api_outcomes
    assert {r.outcome for r in log} >= {"ok", "rate_limited", "overloaded", "server_error", "slow"}

    # the server never saw more than the limit in any (scaled-down) minute
    assert worst_window <= PER_WINDOW, f"{worst_window} requests arrived within {WINDOW_S} s"

    assert SECRET not in caplog.text
    assert not any(SECRET in str(r) or SECRET in repr(r) for r in failed)
