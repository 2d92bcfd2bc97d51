"""Prefect global concurrency limits for LLM calls: created from config, enforced with strict=True."""

from __future__ import annotations

import threading
import time

import pytest
from prefect.client.orchestration import get_client

from cert_core.config.llm import LLMConfig
from cert_core.errors import ConfigError
from tasks.llm import PrefectRequestLimiter, ensure_concurrency_limits
from tests.support.backends import anthropic_backend
from tests.support.fake_anthropic import FakeMessagesAPI
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
