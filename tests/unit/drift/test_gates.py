"""Quality gates after a drift event (drift_policy.yaml quality_gates) and the recovery they make due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cert_core.drift import ActionContext
from cert_core.drift.gates import evaluate_gates
from cert_core.io import write_dataset

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _calls(results_dir, statuses_latencies, at, run_id="r1"):
    rows = [{"scenario_id": f"s{i}", "backend": "fake", "status": status, "latency_ms": latency,
             "flow_run_id": "r", "run_at": at} for i, (status, latency) in enumerate(statuses_latencies)]
    write_dataset("fusion_runs", rows, results_dir, run_id)  # one part per run id


@pytest.fixture
def gates(policy):
    health = policy.quality_gates.system_health_gates.model_copy(update={"memory_usage_threshold_mb": 1e9})
    return policy.quality_gates.model_copy(update={"system_health_gates": health})


def test_gates_measure_the_fusion_calls_of_the_window(gates, tmp_path):
    # 8 ok calls (7 at 1000 ms, one at 5000 ms) and 2 errors, 5 minutes ago; one error an hour ago (outside 15 min)
    _calls(tmp_path, [("ok", 1000.0)] * 7 + [("ok", 5000.0), ("error", None), ("error", None)], NOW - timedelta(minutes=5))
    _calls(tmp_path, [("error", None)], NOW - timedelta(hours=1), run_id="r0")
    report = evaluate_gates(gates, tmp_path, NOW)
    checks = {c.name: c for c in report.checks}
    assert report.calls == 10 and not report.passed
    assert (checks["availability"].value, checks["availability"].passed) == (0.8, False)  # needs >= 0.95
    assert checks["error_rate"].value == pytest.approx(0.2) and checks["error_rate"].passed is False
    # p95 of seven 1000s and one 5000: index 0.95 * 7 = 6.65 -> 1000 + 0.65 * 4000
    assert checks["latency_p95_ms"].value == pytest.approx(3600.0) and checks["latency_p95_ms"].passed is False
    assert checks["memory_usage_mb"].passed is True


def test_a_window_without_calls_gives_no_verdict_not_a_failure(gates, tmp_path):
    report = evaluate_gates(gates, tmp_path, NOW)
    assert report.calls == 0 and report.passed
    assert [c.passed for c in report.checks] == [None, None, None, True]


def test_failing_gates_are_visible_and_make_recovery_due_after_consecutive_failures(watchdog, project, state_dir,
                                                                                      tmp_path, gates):
    policy = watchdog.policy
    settings = gates.evaluation_settings.model_copy(update={"consecutive_failures_threshold": 2})
    watchdog.policy = policy.model_copy(update={"quality_gates": gates.model_copy(
        update={"evaluation_settings": settings}), "response_actions": policy.response_actions.model_copy(
        update={"automatic_actions": [a for a in policy.response_actions.automatic_actions
                                      if a.name == "log_drift_event"]})})
    results = tmp_path / "results"
    watchdog.run_drift_check()
    (project / "configs/fusion/micro_overlays/extra.txt").write_text("# extra\nMore.\n")
    event = watchdog.run_drift_check()  # medium: quality_gate_required
    _calls(results, [("error", None)] * 3, event.detected_at - timedelta(minutes=1))
    context = ActionContext(state_dir, results_dir=str(results))

    first = watchdog.execute_drift_actions(event, context)
    assert first.names == ["log_drift_event", "quality_gates"] and first.gates_passed is False
    assert "availability 0 (needs >= 0.95) FAILED" in first.executed[-1].detail
    assert not any(m.startswith("recovery:") for m in first.manual)  # 1 failure of 2

    second = watchdog.execute_drift_actions(event, context)
    recovery = [m for m in second.manual if m.startswith("recovery:")]
    assert recovery == [f"recovery: {r.name} ({r.description}; until {r.success_criteria})"
                        for r in policy.recovery.recovery_strategies]
    assert len(recovery) == 3


def test_low_drift_needs_no_gates(watchdog, project, state_dir):
    watchdog.run_drift_check()
    (project / "flows/a_flow.py").write_text("def a_flow():\n    return 9\n")
    report = watchdog.execute_drift_actions(watchdog.run_drift_check(), ActionContext(state_dir))
    assert report.names == ["log_drift_event"] and report.gates_passed is None


def test_policy_keys_not_acted_on_are_named_and_logged_once(policy, project, state_dir, caplog, monkeypatch):
    from cert_core.drift import DriftWatchdog, policy_keys

    monkeypatch.setattr(policy_keys, "_logged", set())
    with caplog.at_level("DEBUG", logger="cert"):
        first = DriftWatchdog(policy, root=project, state_dir=state_dir)
        DriftWatchdog(policy, root=project, state_dir=state_dir)
    keys = first.unread_policy_keys
    assert "quality_gates.performance_gates" in keys and "recovery.recovery_validation" in keys
    assert "response_actions.automatic_actions[run_validation_tests].parameters.test_suite" in keys
    assert not any(k.startswith(("quality_gates.system_health_gates", "recovery.recovery_strategies",
                                 "detection_thresholds")) for k in keys)  # read: gates, recovery, sensitivity
    assert "drift_classification.severity_levels.medium.notification_level" in keys
    assert not any(k.endswith(("quality_gate_required", "timeout_seconds")) for k in keys)
    warned = [r.getMessage() for r in caplog.records if "not acted on" in r.getMessage() and r.levelname == "WARNING"]
    named = [r.getMessage() for r in caplog.records if "not acted on" in r.getMessage() and r.levelname == "DEBUG"]
    assert len(warned) == 1 and len(named) == 1  # once per process
    sections = {key.split(".", 1)[0] for key in keys}
    assert all(f"{s} ({sum(k.startswith(s + '.') for k in keys)})" in warned[0] for s in sections)
    assert all(key in named[0] for key in keys)
