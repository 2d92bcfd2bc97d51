"""execute_drift_actions: the enabled automatic actions due at the event's level, each doing its job."""

from __future__ import annotations

import json
import os
import stat

from cert_core.drift import ActionContext
from cert_core.governance.tripwire import default_state_file


def _medium_event(watchdog, project):
    watchdog.run_drift_check()
    (project / "configs/fusion/micro_overlays/extra.txt").write_text("# extra\nMore.\n")
    return watchdog.run_drift_check()


def test_medium_drift_logs_snapshots_and_validates_and_lists_manual_actions(watchdog, project, state_dir, caplog):
    event = _medium_event(watchdog, project)
    with caplog.at_level("INFO", logger="cert"):
        report = watchdog.execute_drift_actions(event, ActionContext(state_dir))
    assert report.names == ["log_drift_event", "capture_system_state", "run_validation_tests"]
    assert all(a.ok for a in report.executed), report.executed
    assert report.manual == ("rollback_configuration", "emergency_fallback", "system_restart")
    logged = next(r for r in caplog.records if r.getMessage().startswith("drift event:"))
    assert logged.diff == [f"added: configs/fusion/micro_overlays/extra.txt sha {event.file_changes[0].new_hash[:12]}"]
    snapshot = state_dir / "drift" / "snapshots" / f"{event.event_id}.json"
    assert stat.S_IMODE(os.stat(snapshot).st_mode) == 0o600
    doc = json.loads(snapshot.read_text())
    assert doc["severity"] == "medium" and doc["config_version"] and "drift_policy" in doc["config"]
    assert "routed" in report.executed[2].detail


def test_critical_drift_benchmarks_rebuilds_and_degrades(watchdog, state_dir):
    watchdog.run_drift_check()
    watchdog.store.path.write_text("garbage")
    event = watchdog.run_drift_check()
    report = watchdog.execute_drift_actions(event, ActionContext(state_dir))
    assert report.names == ["log_drift_event", "capture_system_state", "run_validation_tests",
                            "performance_benchmark", "trigger_overlay_rebuild", "trigger_degradation"]
    assert all(a.ok for a in report.executed), report.executed
    assert report.performance_impact["routing_vs_baseline"] == 1.0  # the first measurement is the baseline
    tripwire = json.loads(default_state_file(state_dir).read_text())
    assert tripwire["downgrade_active"] is True and event.event_id in tripwire["downgrade_reason"]


def test_low_drift_only_logs_and_no_drift_does_nothing(watchdog, project, state_dir):
    watchdog.run_drift_check()
    assert watchdog.execute_drift_actions(watchdog.run_drift_check(), ActionContext(state_dir)).names == []
    (project / "flows/a_flow.py").write_text("def a_flow():\n    return 9\n")
    report = watchdog.execute_drift_actions(watchdog.run_drift_check(), ActionContext(state_dir))
    assert report.names == ["log_drift_event"]


def test_a_failing_action_is_reported_and_the_rest_still_run(watchdog, project, state_dir, tmp_path):
    event = _medium_event(watchdog, project)
    report = watchdog.execute_drift_actions(
        event, ActionContext(state_dir, scenarios_path=str(tmp_path / "no-such-sample.jsonl")))
    outcomes = {a.name: a for a in report.executed}
    assert not outcomes["run_validation_tests"].ok and "routing smoke run" in outcomes["run_validation_tests"].detail
    assert outcomes["capture_system_state"].ok
