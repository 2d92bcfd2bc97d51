"""BudgetTripwire: downgrade after consecutive breaches, recovery as configured, persisted state."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from cert_core.config.energy_governance import BudgetTripwireConfig, RecoveryConditions
from cert_core.errors import InvalidInputError
from cert_core.governance import BudgetTripwire
from cert_core.observability import METRICS

BASE = {"FUSION_MODE": "enhanced_overlay", "ENTROPY_REDUCTION_TARGET": "0.75", "FUSION_OVERLAY_VERSION": "v2.1.0"}



CONFIG = BudgetTripwireConfig()


@pytest.fixture
def tripwire(tmp_path, clock) -> BudgetTripwire:
    return BudgetTripwire(CONFIG, tmp_path / "tw.json", clock=clock.utc)


def _gauge() -> float:
    return METRICS.registry.get_sample_value("cert_budget_tripwire_active")


def test_downgrade_after_three_consecutive_breaches(tripwire):
    first = tripwire.check_budget_breach(15.5, {"scenario_id": "s1"})
    assert (first.is_breach, first.consecutive_breaches, first.downgrade_triggered) == (True, 1, False)
    assert tripwire.check_budget_breach(12.0).is_breach is False  # the threshold itself is not a breach
    tripwire.check_budget_breach(13)
    tripwire.check_budget_breach(14)
    third = tripwire.check_budget_breach(20.25)
    assert third.downgrade_triggered and third.downgrade_active
    assert third.consecutive_breaches == 3
    assert "3 consecutive budget breaches above 12%" in third.downgrade_reason
    assert _gauge() == 1.0
    # a further breach keeps it active but does not trigger again
    assert tripwire.check_budget_breach(30).downgrade_triggered is False


def test_overlay_params_are_downgraded_only_while_active(tripwire):
    assert tripwire.get_overlay_params(BASE) == BASE
    for _ in range(3):
        tripwire.check_budget_breach(50)
    params = tripwire.get_overlay_params(BASE)
    assert params["FUSION_MODE"] == "baseline_only"
    assert params["ENTROPY_REDUCTION_TARGET"] == "0.50"
    assert params["FUSION_OVERLAY_VERSION"] == "v2.1.0"  # keys outside the downgrade set are kept
    assert params["CONTINUITY_ENFORCEMENT"] == "basic_thread"


def test_recovery_needs_normal_operations_and_time_since_last_breach(tripwire, clock):
    for _ in range(3):
        tripwire.check_budget_breach(40)
    for _ in range(5):
        result = tripwire.check_budget_breach(2.0)
    assert result.downgrade_active and result.consecutive_normal_operations == 5  # only 0 h since the breach
    clock.advance(hours=2)
    result = tripwire.check_budget_breach(-10.0)  # under budget is a normal operation
    assert result.recovered and not result.downgrade_active
    assert tripwire.get_overlay_params(BASE) == BASE
    assert _gauge() == 0.0


def test_delta_between_recovery_and_breach_threshold_restarts_the_normal_count(tripwire, clock):
    for _ in range(3):
        tripwire.check_budget_breach(40)
    clock.advance(hours=3)
    for _ in range(4):
        tripwire.check_budget_breach(1.0)
    assert tripwire.check_budget_breach(10.0).consecutive_normal_operations == 0  # 8 <= 10 <= 12
    for _ in range(4):
        assert tripwire.check_budget_breach(1.0).downgrade_active
    assert tripwire.check_budget_breach(1.0).recovered


def test_failed_health_check_blocks_recovery(tmp_path, clock):
    healthy = {"ok": False}
    config = BudgetTripwireConfig(
        breach_threshold_percentage=10, consecutive_breach_limit=1,
        recovery_conditions=RecoveryConditions(consecutive_normal_operations=1, time_since_last_breach_hours=0),
    )
    tw = BudgetTripwire(config, tmp_path / "tw.json", clock=clock.utc, health_check=lambda: healthy["ok"])
    assert tw.check_budget_breach(11).downgrade_triggered
    assert tw.check_budget_breach(0).downgrade_active
    healthy["ok"] = True
    assert tw.check_budget_breach(0).recovered


def test_reset_downgrade(tripwire):
    assert tripwire.reset_downgrade().was_active is False
    for _ in range(3):
        tripwire.check_budget_breach(40)
    reset = tripwire.reset_downgrade()
    assert reset.reset and reset.was_active
    status = tripwire.get_status()
    assert not status.downgrade_active and status.consecutive_breaches == 0


def test_state_is_shared_through_the_file(tmp_path, clock):
    a = BudgetTripwire(CONFIG, tmp_path / "tw.json", clock=clock.utc)
    b = BudgetTripwire(CONFIG, tmp_path / "tw.json", clock=clock.utc)
    a.check_budget_breach(20)
    b.check_budget_breach(20)
    assert a.check_budget_breach(20).downgrade_triggered
    status = b.get_status()
    assert status.downgrade_active and status.total_checks == 3
    assert [r.token_delta for r in status.recent_breaches] == [20.0, 20.0, 20.0]
    assert json.loads((tmp_path / "tw.json").read_text())["consecutive_breaches"] == 3


def test_status_and_metrics_tags(tripwire):
    tripwire.check_budget_breach(15.5, {"scenario_id": "complex_001", "obj": object()})
    status = tripwire.get_status()
    assert (status.breach_threshold, status.consecutive_limit, status.recovery_threshold) == (12.0, 3, 8.0)
    assert status.recent_breaches[0].context["scenario_id"] == "complex_001"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -100.5, "12", None, True])
def test_bad_token_delta_is_invalid_input(tripwire, bad):
    with pytest.raises(InvalidInputError, match="token delta"):
        tripwire.check_budget_breach(bad)
    assert tripwire.get_status().total_checks == 0  # nothing was recorded


@pytest.mark.parametrize("content, last_known", [
    ('{"consecutive_breaches": 2, "downgr', None),  # a torn write from some other tool
    ('{"total_checks": "3", "downgrade_active": false}', False),  # valid JSON, a wrong type
    ('{"total_checks": 3, "downgrade_active": true, "last_breach_at": "yesterday"}', True),
    ('[1, 2]', None),
])
def test_a_corrupt_state_fails_closed_until_it_is_reset(tmp_path, clock, content, last_known):
    path = tmp_path / "tw.json"
    path.write_text(content)
    tw = BudgetTripwire(CONFIG, path, clock=clock.utc)
    expected = True if last_known is None else last_known  # the last known downgrade, else the safer one
    for _ in range(2):  # it stays so: nothing is quarantined or reset behind the operator's back
        status = tw.get_status()
        assert status.state_problem is not None and "is corrupt" in status.state_problem
        assert status.downgrade_active is expected and tw.is_downgrade_active() is expected
        check = tw.check_budget_breach(50.0)
        assert check.downgrade_active is expected and check.consecutive_breaches == 0
    assert path.read_text() == content  # nothing was counted into it
    assert ("FUSION_MODE" in tw.get_overlay_params({})) is expected

    result = tw.reset_downgrade()
    assert result.reset and "moved to" in result.message
    assert list(tmp_path.glob("tw.json.corrupt-*"))
    status = tw.get_status()
    assert status.state_problem is None and not status.downgrade_active and status.total_checks == 0
    assert tw.check_budget_breach(1.0).consecutive_breaches == 0
    assert json.loads(path.read_text())["total_checks"] == 1


def test_disabled_tripwire_never_downgrades(tmp_path, clock):
    tw = BudgetTripwire(BudgetTripwireConfig(enabled=False), tmp_path / "tw.json", clock=clock.utc)
    for _ in range(5):
        result = tw.check_budget_breach(90)
    assert result.is_breach and not result.downgrade_active
    assert not (tmp_path / "tw.json").exists()


def test_inconsistent_thresholds_are_rejected_by_the_config_section():
    with pytest.raises(ValidationError, match="recovery_threshold_percentage"):
        BudgetTripwireConfig(breach_threshold_percentage=5, recovery_threshold_percentage=8)


def test_unwritable_state_location_is_a_resource_error(tmp_path):
    from cert_core.errors import ResourceError

    (tmp_path / "not_a_dir").write_text("x")
    tw = BudgetTripwire(CONFIG, tmp_path / "not_a_dir" / "tw.json")
    with pytest.raises(ResourceError, match="make its folder writable"):
        tw.check_budget_breach(1.0)


def test_lock_held_elsewhere_times_out_as_a_resource_error(tmp_path):
    from filelock import FileLock

    from cert_core.errors import ResourceError
    from cert_core.governance.state_file import JsonStateFile

    store = JsonStateFile(tmp_path / "tw.json", lock_timeout_s=0.1)
    with FileLock(str(tmp_path / "tw.json.lock")), pytest.raises(ResourceError, match="stayed locked"):
        store.update(lambda state: {"n": 1})
