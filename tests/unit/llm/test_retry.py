from __future__ import annotations

import random
from contextlib import contextmanager

import pytest
from pydantic import ValidationError

from cert_core.errors import (
    CircuitBreakerOpen,
    ConnectionDropped,
    InvalidInputError,
    LLMTimeout,
    MalformedResponse,
    Overloaded,
    RateLimited,
    ServerError,
)
from cert_core.config.llm import AnthropicSettings  # the retry policy is llm.yaml's anthropic section
from cert_core.llm import call_with_retries
from cert_core.observability import METRICS


class CountingLimiter:
    def __init__(self) -> None:
        self.acquisitions = 0
        self.inside = False

    @contextmanager
    def acquire(self):
        self.acquisitions += 1
        self.inside = True
        try:
            yield
        finally:
            self.inside = False


class Script:
    """An attempt function that raises the given errors in turn, then returns "done"."""

    def __init__(self, limiter: CountingLimiter, *errors: Exception) -> None:
        self.limiter = limiter
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        assert self.limiter.inside, "attempt ran outside the limiter"
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def run(script, limiter, policy=None, sleeps=None):
    sleeps = [] if sleeps is None else sleeps
    return call_with_retries(script, limiter=limiter, policy=policy or AnthropicSettings(max_attempts=4),
                             sleep=sleeps.append, rng=random.Random(0))


@pytest.mark.parametrize("error", [RateLimited("r"), Overloaded("o"), ServerError("s"), LLMTimeout("t"),
                                   ConnectionDropped("c"), MalformedResponse("cut off", recoverable=True)])
def test_transient_errors_are_retried_and_every_attempt_takes_a_slot(error):
    limiter = CountingLimiter()
    script = Script(limiter, error, error)
    result = run(script, limiter)
    assert result.value == "done"
    assert result.attempts == 3 == script.calls == limiter.acquisitions


@pytest.mark.parametrize("error", [MalformedResponse("m", recoverable=False), InvalidInputError("bad"),
                                   CircuitBreakerOpen("open")])
def test_final_errors_are_not_retried(error):
    limiter = CountingLimiter()
    script = Script(limiter, error)
    with pytest.raises(type(error)) as info:
        run(script, limiter)
    assert script.calls == limiter.acquisitions == 1
    assert info.value.context["attempts"] == 1


def test_stops_at_max_attempts_and_raises_the_last_error():
    limiter = CountingLimiter()
    script = Script(limiter, *[ServerError(f"s{i}") for i in range(10)])
    with pytest.raises(ServerError, match="s2") as info:
        run(script, limiter, AnthropicSettings(max_attempts=3))
    assert script.calls == limiter.acquisitions == 3
    assert info.value.context["attempts"] == 3


def test_retry_after_is_honoured_exactly():
    limiter, sleeps = CountingLimiter(), []
    script = Script(limiter, RateLimited("r", retry_after=7.5), Overloaded("o", retry_after=2.0))
    run(script, limiter, sleeps=sleeps)
    assert sleeps == [7.5, 2.0]


def test_retry_after_is_capped():
    limiter, sleeps = CountingLimiter(), []
    run(Script(limiter, RateLimited("r", retry_after=3600)), limiter,
        AnthropicSettings(max_attempts=2, max_retry_after_s=60), sleeps)
    assert sleeps == [60]


def test_backoff_grows_exponentially_with_equal_jitter():
    limiter, sleeps = CountingLimiter(), []
    policy = AnthropicSettings(max_attempts=5, backoff_base_s=1.0, backoff_max_s=5.0)
    run(Script(limiter, *[ServerError("s")] * 4), limiter, policy, sleeps)
    # steps 1, 2, 4, 5(capped): each delay lies in [step/2, step]
    for delay, step in zip(sleeps, [1.0, 2.0, 4.0, 5.0]):
        assert step / 2 <= delay <= step
    assert len(sleeps) == 4


def test_a_rate_limit_without_retry_after_backs_off():
    limiter, sleeps = CountingLimiter(), []
    run(Script(limiter, RateLimited("r")), limiter, AnthropicSettings(backoff_base_s=1.0), sleeps)
    assert 0.5 <= sleeps[0] <= 1.0


def test_retries_are_counted_in_metrics():
    before = METRICS.llm_retries.labels(reason="Overloaded")._value.get()
    limiter = CountingLimiter()
    run(Script(limiter, Overloaded("o", retry_after=0), Overloaded("o", retry_after=0)), limiter)
    assert METRICS.llm_retries.labels(reason="Overloaded")._value.get() - before == 2


def test_policy_rejects_zero_attempts():
    with pytest.raises(ValidationError, match="max_attempts"):
        AnthropicSettings(max_attempts=0)
