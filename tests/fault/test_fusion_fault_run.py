"""Fusion through the real anthropic SDK against the loopback Messages API with injected faults."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest

from tests.support.configs import config_copy
from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "sk-ant-Hs4Pd9Fw2Ke7Uy3Ta8Zm5Rb1"  # random-looking like a real key: the scrub masks any 8 of its characters
RPM = 1200  # scaled down: 20 requests per second


@pytest.fixture()
def fault_env(tmp_path, monkeypatch, prefect_harness):
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    configs = config_copy(tmp_path / "cfg", {
        "llm": {
            "anthropic": {"timeout_s": 0.5, "max_attempts": 4, "backoff_base_s": 0.05, "backoff_max_s": 0.2,
                          "max_retry_after_s": 0.2, "task_retries": 1, "task_retry_backoff_s": 0.1},
            "rate_limits": {"requests_per_minute": RPM, "max_in_flight": 8,
                            "rpm_limit_name": "fault-rpm", "in_flight_limit_name": "fault-in-flight"},
            "fusion": {"max_tokens": 128},
        },
        "energy_governance": {"budget_limits": {"daily_token_limit": 5_000_000, "hourly_burst_limit": 2_000_000,
                                                "daily_cost_limit_usd": 10_000, "hourly_cost_limit_usd": 10_000}},
        "circuit_breakers": {"circuit_breakers": {"fusion_primary": {"failure_threshold": 50}}},
    })
    return configs


def test_fault_run_keeps_every_scenario_and_the_rate_limit(tmp_path, fault_env, monkeypatch, caplog):
    from flows.fusion_pipeline import fusion_pipeline

    scenarios = tmp_path / "s.jsonl"
    scenarios.write_text("\n".join(json.dumps({
        "id": f"f{i:03d}", "category": ["financial_operations", "security_operations", "system_integration"][i % 3],
        "complexity": (i % 10) / 10, "description": "refund rollback with audit trail", "prompt": f"case {i}"})
        for i in range(200)) + "\n")
    plan = FaultPlan(rate=0.3, seed=7, kinds={"rate_limited": 3, "overloaded": 2, "server_error": 2, "slow": 1})
    caplog.set_level(logging.DEBUG)
    # cert_core's logger does not propagate once flows configure it, so listen to it directly too
    cert_records: list[logging.LogRecord] = []
    listener = logging.Handler(logging.DEBUG)
    listener.emit = cert_records.append
    cert_logger = logging.getLogger("cert")
    cert_logger.addHandler(listener)
    old_level = cert_logger.level
    cert_logger.setLevel(logging.DEBUG)
    with FakeMessagesAPI(faults=plan, latency_s=0.01, slow_s=1.0, retry_after_s=0.1) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        result = fusion_pipeline(scenarios_path=str(scenarios), backend="anthropic", results_dir=str(tmp_path / "out"),
                                 config_dir=str(fault_env))
        server.wait_idle()
        log = list(server.log)

    cert_logger.removeHandler(listener)
    cert_logger.setLevel(old_level)
    runs = pd.read_parquet(tmp_path / "out" / "fusion_runs")
    # every scenario exactly once, ok or an error with a reason
    assert sorted(runs["scenario_id"]) == [f"f{i:03d}" for i in range(200)]
    assert set(runs["status"]) <= {"ok", "error"}
    errors = runs[runs["status"] == "error"]
    assert errors["error_type"].notna().all() and errors["error_message"].str.len().gt(0).all()
    assert (runs["status"] == "ok").sum() >= 180  # 30% faults, mostly absorbed by the one retry loop
    assert result.backend == "anthropic"

    # faults really happened, and the server never saw more than the configured rate
    outcomes = {r.outcome for r in log}
    assert {"rate_limited", "overloaded", "server_error"} <= outcomes
    assert len(log) > 200
    window_s = 3.0
    assert server.max_in_window(window_s) <= RPM / 60 * window_s

    # the key appears nowhere a person or a pipeline could read it
    records = caplog.records + cert_records
    assert any(r.name.startswith("cert.llm") for r in records)  # the grep really saw our logs
    texts = [r.getMessage() + str(r.__dict__) for r in records]
    for part in (tmp_path / "out").rglob("*.parquet"):
        texts.append(part.read_bytes().decode("latin-1"))
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        texts += [json.dumps(a.data, default=str) for a in client.read_artifacts()]
    assert not [t for t in texts if KEY in t]
