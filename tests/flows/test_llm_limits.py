"""Prefect global concurrency limits for LLM calls: created from config, enforced with strict=True."""

from __future__ import annotations

import threading
import time

import pytest
from prefect import flow
from prefect.client.orchestration import get_client

from cert_core.config.llm import LLMConfig
from cert_core.errors import CircuitBreakerOpen, ConfigError, InvalidInputError, RateLimited
from cert_core.llm import Completion
from tasks.llm import PrefectRequestLimiter, call_llm, configured_call_llm, ensure_concurrency_limits
from tests.support.backends import anthropic_backend, simulated_backend
from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan
from tests.support.limiters import CountingLimiter


def llm_config(prefix: str, rpm: float, in_flight: int = 2) -> LLMConfig:
    return LLMConfig.model_validate({"rate_limits": {
        "requests_per_minute": rpm, "max_in_flight": in_flight, "headroom": 1.0,
        "rpm_limit_name": f"{prefix}-rpm", "in_flight_limit_name": f"{prefix}-in-flight"}})


def test_limits_are_created_from_config_then_left_alone_then_updated():
    config = llm_config("create", rpm=120, in_flight=3)
    assert [s.action for s in ensure_concurrency_limits(config)] == ["created", "created"]
    assert [s.action for s in ensure_concurrency_limits(config)] == ["unchanged", "unchanged"]
    with get_client(sync_client=True) as client:
        rpm = client.read_global_concurrency_limit_by_name("create-rpm")
        in_flight = client.read_global_concurrency_limit_by_name("create-in-flight")
    # 120 requests per minute = 2 slots per second, capacity 1 for even spacing
    assert (rpm.limit, rpm.slot_decay_per_second) == (1, 2.0)
    assert (in_flight.limit, in_flight.slot_decay_per_second) == (3, 0.0)
    changed = ensure_concurrency_limits(llm_config("create", rpm=60, in_flight=3))
    assert [s.action for s in changed] == ["updated", "unchanged"]
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name("create-rpm").slot_decay_per_second == 1.0


def test_a_missing_limit_is_an_error_under_strict_not_silently_unlimited():
    limiter = PrefectRequestLimiter(llm_config("never-created", rpm=60).rate_limits)
    with pytest.raises(ConfigError, match="cert setup-limits"):
        with limiter.acquire():
            pass


def test_the_rate_limit_spaces_requests_the_server_sees():
    config = llm_config("enforce", rpm=240, in_flight=4)  # 4 per second
    ensure_concurrency_limits(config)
    limiter = CountingLimiter(PrefectRequestLimiter(config.rate_limits))
    with FakeMessagesAPI() as api, anthropic_backend(api.base_url, limiter, max_attempts=1, timeout_s=5.0) as backend:
        threads = [threading.Thread(target=backend.complete, args=(f"q{i}",),
                                    kwargs={"max_tokens": 5, "temperature": 0}) for i in range(9)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - started
        log = api.log
    assert len(log) == limiter.acquisitions == 9
    # 9 requests at 4 per second cannot finish in less than 8 intervals of 0.25 s
    assert elapsed >= 2.0 * 0.9
    assert api.max_in_window(1.0) <= 4 + 1  # one slot of slack for the server's own clock


class ScriptedBackend:
    """Raises the given errors in turn, then answers from the simulated backend."""

    model_id = "simulated"
    backend_name = "simulated"
    needs_key = False
    key_env_var = None

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.inner = simulated_backend()

    def complete(self, messages, *, max_tokens, temperature, system=None):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature, system=system)


def run_task(backend, retries: int = 2):
    """Run call_llm in a flow; return its result or the exception it failed with."""

    @flow(name="call-llm-test")
    def one_call():
        task = call_llm.with_options(retries=retries, retry_delay_seconds=0, retry_jitter_factor=None)
        state = task(backend, "hello", max_tokens=10, temperature=0, return_state=True)
        return state.result(raise_on_failure=False)

    return one_call()


def test_task_retries_what_the_inner_loop_gave_up_on():
    backend = ScriptedBackend(RateLimited("still limited"), RateLimited("still limited"))
    assert isinstance(run_task(backend), Completion)
    assert backend.calls == 3


@pytest.mark.parametrize("error", [CircuitBreakerOpen("breaker 'anthropic' is open"), InvalidInputError("empty")])
def test_task_never_retries_an_open_circuit_or_bad_input(error):
    backend = ScriptedBackend(error)
    assert isinstance(run_task(backend), type(error))
    assert backend.calls == 1


def test_configured_call_llm_takes_retries_from_config():
    config = LLMConfig.model_validate({"anthropic": {"task_retries": 4, "task_retry_backoff_s": 0.5}})
    task = configured_call_llm(config)
    assert task.retries == 4 and task.retry_delay_seconds == [0.5, 1.0, 2.0, 4.0]


def test_cert_setup_limits_creates_and_prints_the_configured_limits(tmp_path):
    from click.testing import CliRunner

    from cert_cli.main import cli

    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    (config_dir / "llm.yaml").write_text(
        "rate_limits: {requests_per_minute: 30, max_in_flight: 5, headroom: 1.0, "
        "rpm_limit_name: cli-rpm, in_flight_limit_name: cli-in-flight}\n")
    result = CliRunner().invoke(cli, ["setup-limits", "--config-dir", str(config_dir)])
    assert result.exit_code == 0, result.output
    assert "created   cli-rpm: rate limit, limit=1, slot_decay_per_second=0.5000" in result.output
    assert "created   cli-in-flight: in-flight limit, limit=5" in result.output
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name("cli-in-flight").limit == 5
