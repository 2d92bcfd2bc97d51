"""Prefect global concurrency limits for LLM calls: created from config, enforced with strict=True."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time

import pytest
from prefect.client.orchestration import get_client
from prefect.concurrency._sync import acquire_concurrency_slots_with_lease

from cert_core.config.llm import LLMConfig
from cert_core.errors import ConfigError, TimeoutExceeded
from tasks.llm import (
    PrefectRequestLimiter,
    api_label,
    ensure_concurrency_limits,
    limit_occupancy,
    reclaim_stale_slots,
    reset_concurrency_limits,
    slot_holders,
)
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


def test_a_long_wait_for_a_slot_names_the_limit_and_how_full_it_is(caplog):
    config = LLMConfig.model_validate({"rate_limits": {
        "requests_per_minute": 600, "max_in_flight": 1, "rpm_limit_name": "wait-rpm",
        "in_flight_limit_name": "wait-in-flight", "slot_wait_notice_s": 0.5}})
    ensure_concurrency_limits(config)
    holder = PrefectRequestLimiter.from_config(config)
    waiter = PrefectRequestLimiter(config.rate_limits, timeout_seconds=2.0)
    with holder.acquire():
        with caplog.at_level(logging.WARNING, logger="cert.llm.slots"), caplog.at_level(logging.WARNING):
            with pytest.raises(TimeoutExceeded):
                with waiter.acquire():
                    pass
    notices = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert notices and "'wait-in-flight' is full (1/1 slots in use)" in notices[0]
    # each wait step that runs out is expected, not an ERROR from Prefect's acquisition service
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    with waiter.acquire():  # released: free again
        pass


def test_slots_of_a_dead_holder_are_reclaimed_and_reset_frees_the_rest():
    config = LLMConfig.model_validate({"rate_limits": {
        "requests_per_minute": 600, "max_in_flight": 2, "rpm_limit_name": "reclaim-rpm",
        "in_flight_limit_name": "reclaim-in-flight"}})
    ensure_concurrency_limits(config)
    registry = slot_holders()
    granted = [acquire_concurrency_slots_with_lease(["reclaim-in-flight"], 1, lease_duration=60, strict=True)
               for _ in range(2)]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for grant in granted:
        registry.record(str(grant.lease_id), ["reclaim-in-flight"], 1, api_label(), 60)
    path = registry.folder / f"{granted[0].lease_id}.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "pid": dead.pid}))  # its holder died
    assert limit_occupancy("reclaim-in-flight") == (2, 2)

    freed = reclaim_stale_slots()
    assert [h.lease_id for h in freed] == [str(granted[0].lease_id)]
    assert limit_occupancy("reclaim-in-flight") == (1, 2)  # the live holder keeps its slot

    assert reset_concurrency_limits(config) == {"reclaim-rpm": 0, "reclaim-in-flight": 1}
    assert limit_occupancy("reclaim-in-flight") == (0, 2)
    assert [h for h in registry.holds() if "reclaim-in-flight" in h.names] == []
