"""Coordination through the real SDK against the loopback Messages API with 30% faults: every task
and strategy ends in exactly one coordination_runs row, ok or an error with its reason."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support.configs import config_copy
from tests.support.coordination import CoordinationScript, write_tasks
from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "sk-ant-Qx7Rf2Lm9Tz4Wv8Kp3Yc6Hn1"  # random-looking like a real key: the scrub masks any 8 of its characters
TASKS = [{"id": f"f{i}", "task": f"What is {i} plus 10?", "reference": str(i + 10)} for i in range(4)]


def test_thirty_percent_faults_leave_exactly_one_row_per_task_and_strategy(tmp_path, monkeypatch, prefect_harness):
    from flows.coordination import coordinated_run

    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    configs = config_copy(tmp_path / "cfg", {
        "llm": {"anthropic": {"timeout_s": 0.5, "max_attempts": 3, "backoff_base_s": 0.05, "backoff_max_s": 0.2,
                              "max_retry_after_s": 0.2, "task_retries": 1, "task_retry_backoff_s": 0.1},
                "rate_limits": {"requests_per_minute": 6000, "max_in_flight": 12,
                                "rpm_limit_name": "coord-fault-rpm", "in_flight_limit_name": "coord-fault-in-flight"}},
        "energy_governance": {"budget_limits": {"daily_token_limit": 10_000_000, "hourly_burst_limit": 5_000_000,
                                                "daily_cost_limit_usd": 10_000, "hourly_cost_limit_usd": 10_000}},
        "circuit_breakers": {"circuit_breakers": {"fusion_primary": {"failure_threshold": 50},
                                                  "judge_fusion": {"failure_threshold": 50}}},
    })
    plan = FaultPlan(rate=0.3, seed=11, kinds={"rate_limited": 2, "overloaded": 2, "server_error": 2, "slow": 1,
                                                "drop": 1, "malformed": 1})
    script = CoordinationScript({t["task"]: t["reference"] for t in TASKS}, wrong=frozenset({2}))
    tasks = write_tasks(tmp_path / "t.jsonl", TASKS)
    with FakeMessagesAPI(faults=plan, latency_s=0.01, slow_s=1.0, retry_after_s=0.05, replies=script) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        result = coordinated_run(tasks_path=tasks, num_agents=3, strategy="all", rounds=2, backend="anthropic",
                                 judge="llm", results_dir=str(tmp_path / "out"), config_dir=str(configs))
        server.wait_idle()
        outcomes = server.outcomes()

    runs = pd.read_parquet(result.coordination_runs_path)
    calls = pd.read_parquet(result.agent_responses_path)
    # exactly one row per (task, strategy): none lost, none duplicated
    expected = {(t["id"], s) for t in TASKS for s in ("debate", "parallel", "sequential", "vote")}
    assert len(runs) == len(expected) and set(zip(runs["task_id"], runs["strategy"])) == expected
    assert set(runs["status"]) <= {"ok", "error"}
    errors = runs[runs["status"] == "error"]
    assert errors["error_type"].notna().all() and errors["error_message"].str.len().gt(0).all()
    assert (runs["status"] == "ok").sum() >= len(expected) // 2  # most faults are absorbed by the retry loop
    # the faults really happened, every kind of them
    assert {"rate_limited", "overloaded", "server_error", "slow", "drop", "malformed"} <= set(outcomes)
    # a judged quality is a number in [0, 1] or null with a reason, never a stand-in
    judged = runs[runs["status"] == "ok"]
    assert judged["coordinated_quality"].dropna().between(0, 1).all()
    unjudged = judged[judged["coordinated_quality"].isna()]
    assert unjudged["judge_error"].notna().all()
    # every call the run made is in agent_responses and counted on its row
    assert runs["llm_calls"].sum() == len(calls)
