"""ProductionSafetyManager and HealthChecker."""

from __future__ import annotations

import pytest

from cert_core.config.circuit_breakers import CircuitBreakersConfig
from cert_core.config.energy_governance import BudgetTripwireConfig
from cert_core.config.slo import SLOConfig
from cert_core.errors import InvalidInputError, ServerError
from cert_core.governance import BudgetTripwire
from cert_core.safety import ComponentHealth, HealthChecker, ProductionSafetyManager

SLO = SLOConfig.model_validate({
    "service_level_objectives": {
        "fusion_availability": {"target": 0.9, "critical_threshold": 0.5, "measurement_window_minutes": 10},
    },
    "degradation_strategies": {
        "performance_degraded": {
            "trigger_conditions": [{"slo": "fusion_availability", "threshold_breach_duration_minutes": 5}],
            "actions": [
                {"type": "reduce_overlay_complexity", "parameter": "ENTROPY_REDUCTION_TARGET", "value": "0.60"},
                {"type": "log_degradation_event"},
            ],
        },
        "availability_critical": {
            "actions": [{"type": "emergency_fallback", "parameter": "FUSION_MODE", "value": "baseline_only"},
                        {"type": "reduce", "parameter": "ENTROPY_REDUCTION_TARGET", "value": "0.40"}],
        },
    },
})
BASE = {"ENTROPY_REDUCTION_TARGET": "0.75", "FUSION_MODE": "enhanced_overlay"}




@pytest.fixture
def manager(clock):
    return ProductionSafetyManager.from_config(SLO, CircuitBreakersConfig(), clock=clock)


def test_degradation_strategy_changes_the_effective_overlay_params(manager):
    result = manager.apply_degradation_strategy("performance_degraded")
    assert result.changed_parameters == {"ENTROPY_REDUCTION_TARGET": "0.60"}
    assert result.skipped_actions == ("log_degradation_event",)
    params, names = manager.degradation_snapshot(BASE)
    assert params == {"ENTROPY_REDUCTION_TARGET": "0.60", "FUSION_MODE": "enhanced_overlay"}
    assert names == ("performance_degraded",)
    manager.apply_degradation_strategy("availability_critical")  # applied later: its values win
    assert manager.degradation_snapshot(BASE) == (
        {"ENTROPY_REDUCTION_TARGET": "0.40", "FUSION_MODE": "baseline_only"},
        ("performance_degraded", "availability_critical"),
    )
    assert BASE["FUSION_MODE"] == "enhanced_overlay"  # the caller's mapping is not modified
    assert manager.check_system_health().degraded_services == ("performance_degraded", "availability_critical")


def test_unknown_strategy_is_invalid_input(manager):
    with pytest.raises(InvalidInputError, match="unknown degradation strategy 'panic'; configured in slo.yaml: availability_critical, performance_degraded"):
        manager.apply_degradation_strategy("panic")


def test_health_levels(manager):
    assert manager.check_system_health().overall_health == "healthy"
    for success in (True, True, True, False):
        manager.record_fusion_metric("overlay_fusion", success, 100.0, scenario_id="s1")
    health = manager.check_system_health()
    assert health.overall_health == "degraded" and [v.name for v in health.slo_violations] == ["fusion_availability"]
    for _ in range(6):
        manager.record_fusion_metric("overlay_fusion", False, 100.0)
    assert manager.check_system_health().overall_health == "unhealthy"  # 0.3 < critical 0.5


def test_open_breaker_degrades_health_and_unknown_breaker_is_invalid(manager):
    for _ in range(5):
        with pytest.raises(ServerError):
            manager.breakers.get("fusion_primary").call(_fail)
    health = manager.check_system_health()
    assert health.overall_health == "degraded" and health.circuit_breaker_states["fusion_primary"].state.value == "open"
    with pytest.raises(InvalidInputError, match="unknown circuit breaker 'primary'"):
        manager.breakers.get("primary")
    assert manager.breakers.get("judge_fusion").call(lambda x: x * 2, 21) == 42


def test_degradation_becomes_due_after_the_breach_duration(manager, clock):
    manager.record_fusion_metric("overlay_fusion", False, 10.0)
    manager.check_system_health()
    assert manager.due_degradation_strategies() == []
    clock.advance(300)
    manager.check_system_health()
    assert manager.due_degradation_strategies() == ["performance_degraded"]
    manager.apply_degradation_strategy("performance_degraded")
    assert manager.due_degradation_strategies() == []


def _slo(check_interval_seconds: float = 0, auto_recovery: bool = True, minutes: float = 0) -> SLOConfig:
    return SLOConfig.model_validate({
        "service_level_objectives": {"fusion_success_rate": {"metric": "success_rate", "target": 0.75}},
        "monitoring_config": {"check_interval_seconds": check_interval_seconds,
                              "escalation_policy": {"auto_recovery_enabled": auto_recovery}},
        "degradation_strategies": {"availability_critical": {
            "trigger_conditions": [{"slo": "fusion_success_rate", "threshold_breach_duration_minutes": minutes},
                                   {"slo": "not_measured_here", "threshold_breach_duration_minutes": 0}],
            "actions": [{"type": "emergency_fallback", "parameter": "FUSION_MODE", "value": "baseline_only"}]}},
    })


def test_a_breached_slo_applies_its_strategy_and_lifts_it_when_met_again(clock):
    manager = ProductionSafetyManager.from_config(_slo(), CircuitBreakersConfig(), clock=clock)
    outcomes = [True, True, False]  # 2/3 = 0.67 < 0.75
    changes = []
    for ok in outcomes:
        manager.record_fusion_metric("overlay_fusion", ok, 10.0)
        changes.append(manager.update_degradation())
    assert [c.applied for c in changes] == [(), (), ("availability_critical",)]
    params, names = manager.degradation_snapshot(BASE)
    assert params["FUSION_MODE"] == "baseline_only" and names == ("availability_critical",)
    # 3/4 = 0.75 meets the target again: lifted (the unmeasured trigger does not hold it back)
    manager.record_fusion_metric("overlay_fusion", True, 10.0)
    assert manager.update_degradation().lifted == ("availability_critical",)
    assert manager.degradation_snapshot(BASE) == (BASE, ())


def test_degradation_waits_for_the_breach_duration_and_the_check_interval(clock):
    manager = ProductionSafetyManager.from_config(_slo(check_interval_seconds=30, minutes=1), CircuitBreakersConfig(),
                                                  clock=clock)
    manager.record_fusion_metric("overlay_fusion", False, 10.0)
    assert manager.update_degradation().applied == ()  # violated since now, for 0 of 60 s
    clock.advance(59)
    assert manager.update_degradation().applied == ()  # 59 s: not yet
    clock.advance(10)
    manager.record_fusion_metric("overlay_fusion", False, 10.0)
    assert manager.update_degradation().applied == ()  # within 30 s of the last check: not checked
    clock.advance(30)
    assert manager.update_degradation().applied == ("availability_critical",)


def test_without_auto_recovery_the_strategy_stays(clock):
    manager = ProductionSafetyManager.from_config(_slo(auto_recovery=False), CircuitBreakersConfig(), clock=clock)
    manager.record_fusion_metric("overlay_fusion", False, 10.0)
    assert manager.update_degradation().applied == ("availability_critical",)
    for _ in range(10):
        manager.record_fusion_metric("overlay_fusion", True, 10.0)
        assert manager.update_degradation().lifted == ()
    assert manager.degradation_snapshot(BASE)[1] == ("availability_critical",)


def _fail():
    raise ServerError("boom")


def test_health_checker_combines_components(manager, tmp_path):
    tripwire = BudgetTripwire(BudgetTripwireConfig(consecutive_breach_limit=1), tmp_path / "tw.json")
    checker = HealthChecker(safety=manager, tripwire=tripwire)
    assert checker.check().status == "healthy"
    tripwire.check_budget_breach(50.0)
    report = checker.check()
    assert report.status == "degraded" and report.components["budget_tripwire"].status == "degraded"
    assert any("downgrade active" in issue for issue in report.issues)
    checker.register("cache", lambda: ComponentHealth("cache", "healthy"))
    checker.register("broken", lambda: 1 / 0)
    report = checker.check()
    assert report.status == "unhealthy" and "broken: probe failed: ZeroDivisionError" in report.issues[-1]
    assert report.to_dict()["components"]["cache"]["status"] == "healthy"
