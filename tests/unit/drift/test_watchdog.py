"""The drift scenarios of issue 9 on a small project tree, with the shipped drift policy."""

from __future__ import annotations

import json
import os
import stat

import pytest

from cert_core.drift import DriftWatchdog, scan as scan_module
from cert_core.statuses import ChangeType, DriftSeverity

from .conftest import edit


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_first_scan_creates_the_baseline_and_says_so(watchdog, state_dir):
    event = watchdog.run_drift_check()
    assert event.baseline_created and event.severity is None
    assert "baseline created with 5 files" in event.message
    assert event.files_scanned == 5  # 2 yaml, 1 overlay, 2 py; not the .pyc, notes.md
    manifest = json.loads(watchdog.store.path.read_text())
    assert "cert_core/engine.py" in manifest["keys"]
    assert not any("__pycache__" in key for key in manifest["keys"])
    assert _mode(watchdog.store.path) == 0o600
    assert _mode(watchdog.store.folder) == 0o700


def test_critical_parameter_edit_is_high_config_drift_naming_old_and_new(watchdog, project):
    watchdog.run_drift_check()
    edit(project / "configs/fusion/overlay_params.yaml", 'FUSION_MODE: "enhanced_overlay"', 'FUSION_MODE: "minimal"')
    event = watchdog.run_drift_check()
    assert event.severity is DriftSeverity.HIGH and event.drift_type == "config"
    [param] = event.param_changes
    assert (param.parameter, param.old_value, param.new_value, param.critical) == (
        "FUSION_MODE", "enhanced_overlay", "minimal", True)
    assert watchdog.run_drift_check().severity is None  # reported once


def test_numeric_change_within_tolerance_is_no_event_and_cannot_creep(watchdog, project):
    path = project / "configs/fusion/overlay_params.yaml"
    watchdog.run_drift_check()
    edit(path, 'QUALITY_THRESHOLD: "0.80"', 'QUALITY_THRESHOLD: "0.83"')  # +3.75 % of 0.80, tolerance 5 %
    quiet = watchdog.run_drift_check()
    assert quiet.severity is None and quiet.file_changes == () and quiet.param_changes == ()
    edit(path, 'QUALITY_THRESHOLD: "0.83"', 'QUALITY_THRESHOLD: "0.85"')  # +6.25 % of the baseline 0.80
    event = watchdog.run_drift_check()
    [param] = event.param_changes
    assert (param.old_value, param.new_value, param.critical) == ("0.80", "0.85", False)
    assert event.severity is DriftSeverity.LOW  # no rule names a non-critical parameter


def test_budget_limits_are_critical_by_path(watchdog, project):
    path = project / "configs/fusion/energy_governance.yaml"
    watchdog.run_drift_check()
    text = path.read_text()
    assert "budget_limits:" in text and "daily_token_limit: 100000" in text
    path.write_text(text.replace("daily_token_limit: 100000", "daily_token_limit: 200000", 1))
    event = watchdog.run_drift_check()
    assert event.severity is DriftSeverity.HIGH
    assert any(p.parameter.endswith("daily_token_limit") and p.critical for p in event.param_changes)


def test_adding_an_overlay_file_is_medium(watchdog, project):
    watchdog.run_drift_check()
    (project / "configs/fusion/micro_overlays/new_overlay.txt").write_text("# new_overlay\nBe new.\n")
    event = watchdog.run_drift_check()
    assert event.severity is DriftSeverity.MEDIUM
    assert [(c.file_path, c.change_type) for c in event.file_changes] == [
        ("configs/fusion/micro_overlays/new_overlay.txt", ChangeType.ADDED)]


def test_deleted_file_is_reported(watchdog, project):
    watchdog.run_drift_check()
    (project / "flows/a_flow.py").unlink()
    event = watchdog.run_drift_check()
    assert [(c.file_path, c.change_type) for c in event.file_changes] == [("flows/a_flow.py", ChangeType.DELETED)]
    assert event.severity is DriftSeverity.LOW


def test_core_module_version_bump_is_medium(watchdog, project):
    watchdog.run_drift_check()
    edit(project / "cert_core/engine.py", '"1.0.0"', '"1.1.0"')
    event = watchdog.run_drift_check()
    [change] = event.file_changes
    assert (change.old_version, change.new_version) == ("1.0.0", "1.1.0")
    assert event.severity is DriftSeverity.MEDIUM


def test_corrupt_state_file_is_critical_then_a_new_baseline(watchdog):
    watchdog.run_drift_check()
    watchdog.store.path.write_text("{not json")
    event = watchdog.run_drift_check()
    assert event.severity is DriftSeverity.CRITICAL and "state_file_corrupted" in event.facts
    assert "corrupt" in event.message and event.baseline_created
    assert list(watchdog.store.folder.glob("manifest.json.corrupt-*"))
    assert watchdog.run_drift_check().severity is None


def test_missing_state_file_after_the_first_scan_is_critical(watchdog):
    watchdog.run_drift_check()
    watchdog.store.path.unlink()
    event = watchdog.run_drift_check()
    assert event.severity is DriftSeverity.CRITICAL and "missing" in event.message


def test_corrupt_tripwire_state_file_is_critical(watchdog, state_dir):
    tripwire = state_dir / "tripwire_state.json"
    state_dir.mkdir(parents=True, exist_ok=True)
    tripwire.write_text('{"downgrade_active": false}')
    watchdog.run_drift_check()
    tripwire.write_text('{"downgrade_active": true, "consecutive_breaches": 3}')
    assert watchdog.run_drift_check().severity is None  # state changes as the system runs: not drift
    tripwire.write_text('{"downgrade_active": fal')
    event = watchdog.run_drift_check()
    assert event.severity is DriftSeverity.CRITICAL
    assert ("{state_dir}/tripwire_state.json", ChangeType.STATE_CORRUPT) in [
        (c.file_path, c.change_type) for c in event.file_changes]


def test_same_size_same_mtime_edit_is_caught_by_the_deep_scan_only(watchdog, project):
    path = project / "flows/a_flow.py"
    watchdog.run_drift_check()
    before = os.stat(path)
    with open(path, "r+b") as handle:  # same inode, same size
        handle.write(b"DEF")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    incremental = watchdog.run_drift_check()
    assert incremental.severity is None and incremental.files_hashed == 0
    deep = watchdog.run_drift_check(deep=True)
    assert deep.files_hashed == 5
    assert [(c.file_path, c.change_type) for c in deep.file_changes] == [("flows/a_flow.py", ChangeType.MODIFIED)]


def test_incremental_scan_reads_only_changed_files(watchdog, project):
    watchdog.run_drift_check()
    (project / "flows/a_flow.py").write_text("def a_flow():\n    return 3\n")
    event = watchdog.run_drift_check()
    assert event.files_hashed == 1 and event.files_scanned == 5


def test_unreadable_files_and_symlinks_out_of_the_root_are_reported_not_followed(
    watchdog, project, tmp_path, monkeypatch
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("SECRET = 1\n")
    watchdog.run_drift_check()
    (project / "cert_core/leak.py").symlink_to(outside / "secret.py")
    (project / "cert_core/linked_dir").symlink_to(outside, target_is_directory=True)
    locked = project / "flows/a_flow.py"
    locked.write_text("def a_flow():\n    return 4\n")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the open fail as it would for a normal user
        real_open = scan_module._open

        def deny(path):
            if path == str(locked):
                raise PermissionError(13, "Permission denied")
            return real_open(path)

        monkeypatch.setattr(scan_module, "_open", deny)
    try:
        event = watchdog.run_drift_check()
    finally:
        locked.chmod(0o644)
    kinds = {c.file_path: c.change_type for c in event.file_changes}
    assert kinds == {
        "cert_core/leak.py": ChangeType.SYMLINK_OUTSIDE_ROOT,
        "cert_core/linked_dir": ChangeType.SYMLINK_OUTSIDE_ROOT,
        "flows/a_flow.py": ChangeType.UNREADABLE,
    }
    assert "files_unreadable" in event.facts and event.severity is DriftSeverity.LOW
    manifest = json.loads(watchdog.store.path.read_text())
    assert "flows/a_flow.py" in manifest["keys"]  # kept, not deleted
    assert not any(k.startswith("cert_core/l") for k in manifest["keys"])


def test_a_symlink_inside_the_root_is_watched(watchdog, project):
    watchdog.run_drift_check()
    (project / "cert_core/alias.py").symlink_to(project / "flows/a_flow.py")
    event = watchdog.run_drift_check()
    assert [(c.file_path, c.change_type) for c in event.file_changes] == [("cert_core/alias.py", ChangeType.ADDED)]


def test_policy_from_a_yaml_path_like_the_seed(config_dir, project, state_dir):
    watchdog = DriftWatchdog(config_dir / "drift_policy.yaml", root=project, state_dir=state_dir)
    assert watchdog.run_drift_check().baseline_created


@pytest.mark.parametrize("pattern", ["/etc/*.yaml", "../x/*.py"])
def test_watch_patterns_stay_inside_the_project(policy, pattern):
    from pydantic import ValidationError

    from cert_core.config.drift_policy import FileMonitoring

    with pytest.raises(ValidationError, match="inside the project"):
        FileMonitoring(watch_patterns=[pattern])

