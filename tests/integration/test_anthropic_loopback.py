"""The real anthropic SDK against the loopback Messages-API server: mapping, retries, limiter, secrets."""

from __future__ import annotations

import logging
import random
import time

import anthropic
import pytest

from cert_core.config.llm import LLMConfig
from cert_core.config.settings import CertSettings
from cert_core.errors import (
    CertError,
    ConnectionDropped,
    InvalidInputError,
    LLMTimeout,
    MalformedResponse,
    NeedsKeyError,
    Overloaded,
    RateLimited,
    ServerError,
)
from cert_core.llm import AnthropicBackend, TokenBucketLimiter, select_backend
from tests.support.backends import anthropic_backend
from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan
from tests.support.limiters import CountingLimiter

pytestmark = pytest.mark.integration

SECRET = "sk-ant-loopback-SECRET-9f8e7d6c5b4a"
MODEL = "claude-sonnet-4-6"


def make(api: FakeMessagesAPI, *, max_attempts: int = 1, timeout_s: float = 2.0, sleeps: list | None = None,
         limiter=None, backoff_base_s: float = 0.01) -> AnthropicBackend:
    return anthropic_backend(
        api.base_url, limiter or CountingLimiter(TokenBucketLimiter(1_000_000, 8)), key=SECRET,
        sleep=sleeps.append if sleeps is not None else time.sleep, rng=random.Random(0), model=MODEL,
        max_attempts=max_attempts, backoff_base_s=backoff_base_s, backoff_max_s=0.05, timeout_s=timeout_s,
    )


def test_a_call_returns_text_usage_and_cost_through_the_real_sdk():
    with FakeMessagesAPI(output_tokens=12) as api:
        backend = make(api)
        result = backend.complete("x" * 400, max_tokens=100, temperature=0.2, system="be brief")
        record = api.log[0]
    # the server counts ceil((400 + 8) / 4) = 102 input tokens and returns 12 output tokens
    assert (result.input_tokens, result.output_tokens) == (102, 12)
    assert result.cost_usd == pytest.approx(102 * 3 / 1e6 + 12 * 15 / 1e6, abs=1e-9)
    assert result.text == " ".join(["ok"] * 12)
    assert (result.backend, result.model, result.attempts, result.stop_reason) == ("anthropic", MODEL, 1, "end_turn")
    assert record.model == MODEL and record.api_key_seen
    assert record.sdk_retry_count == "0"  # the SDK's own retry loop is off


@pytest.mark.parametrize(("kind", "error_type", "sdk_type"), [
    ("rate_limited", RateLimited, anthropic.RateLimitError),
    ("overloaded", Overloaded, anthropic.OverloadedError),
    ("server_error", ServerError, anthropic.InternalServerError),
    ("slow", LLMTimeout, anthropic.APITimeoutError),
    ("drop", ConnectionDropped, anthropic.APIConnectionError),
    ("bad_request", InvalidInputError, anthropic.BadRequestError),
    ("unauthorized", NeedsKeyError, anthropic.AuthenticationError),
])
def test_each_fault_maps_to_its_typed_error(kind, error_type, sdk_type):
    with FakeMessagesAPI(faults=FaultPlan(schedule=[kind]), slow_s=1.0, retry_after_s=0.25) as api:
        with pytest.raises(error_type) as info:
            make(api, timeout_s=0.3).complete("hi", max_tokens=10, temperature=0)
    assert type(info.value) is error_type
    assert isinstance(info.value.__cause__, sdk_type)  # mapped at the boundary with `raise ... from exc`
    assert info.value.context["attempts"] == 1
    if kind == "rate_limited":
        assert info.value.retry_after == 0.25


def test_a_cut_off_body_is_retried_and_the_next_attempt_answers():
    with FakeMessagesAPI(faults=FaultPlan(schedule=["malformed", "ok"])) as api:
        completion = make(api, max_attempts=4).complete("hi", max_tokens=10, temperature=0)
        assert len(api.log) == 2 and [r.outcome for r in api.log] == ["malformed", "ok"]
    assert completion.text and completion.attempts == 2


def test_a_body_cut_off_on_every_attempt_is_a_recoverable_malformed_response():
    with FakeMessagesAPI(faults=FaultPlan(schedule=["malformed"] * 3)) as api:
        with pytest.raises(MalformedResponse) as info:
            make(api, max_attempts=3).complete("hi", max_tokens=10, temperature=0)
        assert len(api.log) == 3
    # anthropic 2.12 raises a bare json.JSONDecodeError for a body that is not JSON
    assert type(info.value.__cause__).__name__ == "JSONDecodeError"
    assert info.value.recoverable is True and info.value.context["attempts"] == 3


def test_a_4xx_other_than_429_is_not_retried():
    with FakeMessagesAPI(faults=FaultPlan(schedule=["bad_request", "ok"])) as api:
        with pytest.raises(InvalidInputError):
            make(api, max_attempts=4).complete("hi", max_tokens=10, temperature=0)
        assert len(api.log) == 1


def test_every_retry_goes_through_the_limiter_and_reaches_the_server_once():
    sleeps: list[float] = []
    limiter = CountingLimiter(TokenBucketLimiter(1_000_000, 2))
    schedule = ["rate_limited", "overloaded", "server_error", "drop", "ok"]
    with FakeMessagesAPI(faults=FaultPlan(schedule=schedule), retry_after_s=0.2) as api:
        result = make(api, max_attempts=5, limiter=limiter, sleeps=sleeps).complete("hi", max_tokens=10,
                                                                                    temperature=0)
        log = api.log
    assert result.attempts == 5
    assert [r.outcome for r in log] == schedule
    assert len(log) == limiter.acquisitions == 5
    assert all(r.sdk_retry_count == "0" for r in log)
    # retry-after from the 429 and 529 is honoured exactly; 500 and the dropped connection back off
    assert sleeps[:2] == [0.2, 0.2]
    assert all(0.005 <= s <= 0.05 for s in sleeps[2:]) and len(sleeps) == 4


def test_retry_after_delays_the_next_request_as_the_server_sees_it():
    with FakeMessagesAPI(faults=FaultPlan(schedule=["rate_limited", "ok"]), retry_after_s=0.3) as api:
        make(api, max_attempts=2).complete("hi", max_tokens=10, temperature=0)
        first, second = api.log
    assert second.arrived - first.finished >= 0.3


def test_giving_up_after_max_attempts_raises_the_last_error():
    with FakeMessagesAPI(faults=FaultPlan(rate=1.0, kinds={"server_error": 1})) as api:
        with pytest.raises(ServerError) as info:
            make(api, max_attempts=3).complete("hi", max_tokens=10, temperature=0)
        assert len(api.log) == 3
    assert info.value.context["attempts"] == 3


def test_base_url_from_the_environment_reaches_the_loopback_server(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    with FakeMessagesAPI() as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        backend = select_backend("auto", LLMConfig(), CertSettings()).backend
        result = backend.complete("hello", max_tokens=5, temperature=0)
        assert len(api.log) == 1
    assert result.backend == "anthropic"


def test_the_key_never_appears_in_logs_errors_or_reprs(caplog):
    kinds = ["ok", "rate_limited", "overloaded", "server_error", "slow", "drop", "malformed", "bad_request",
             "unauthorized"]
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        with FakeMessagesAPI(faults=FaultPlan(schedule=kinds), slow_s=0.8) as api:
            backend = make(api, timeout_s=0.3)
            texts.append(repr(backend))
            for _ in kinds:
                try:
                    texts.append(repr(backend.complete("hi", max_tokens=5, temperature=0)))
                except CertError as exc:
                    chain = [exc, exc.__cause__]
                    texts += [str(e) for e in chain] + [repr(e) for e in chain] + [str(exc.to_dict())]
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    assert len(texts) > 20
    assert not [t for t in texts if SECRET in t]
