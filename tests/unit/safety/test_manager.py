"""ProductionSafetyManager and HealthChecker."""

from __future__ import annotations

import pytest

from cert_core.config.circuit_breakers import CircuitBreakersConfig
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


class Tick:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def tick():
    return Tick()


@pytest.fixture
def manager(tick):
    return ProductionSafetyManager.from_config(SLO, CircuitBreakersConfig(), clock=tick)


def test_degradation_strategy_changes_the_effective_overlay_params(manager):
    result = manager.apply_degradation_strategy("performance_degraded")
    assert result.changed_parameters == {"ENTROPY_REDUCTION_TARGET": "0.60"}
    assert result.skipped_actions == ("log_degradation_event",)
    assert manager.effective_overlay_params(BASE) == {"ENTROPY_REDUCTION_TARGET": "0.60", "FUSION_MODE": "enhanced_overlay"}
    manager.apply_degradation_strategy("availability_critical")  # applied later: its values win
    assert manager.effective_overlay_params(BASE) == {"ENTROPY_REDUCTION_TARGET": "0.40", "FUSION_MODE": "baseline_only"}
    assert manager.degraded_services == ("performance_degraded", "availability_critical")
    assert BASE["FUSION_MODE"] == "enhanced_overlay"  # the caller's mapping is not modified
    manager.clear_degradation()
    assert manager.effective_overlay_params(BASE) == BASE


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
            manager.execute_with_circuit_breaker("fusion_primary", _fail)
    health = manager.check_system_health()
    assert health.overall_health == "degraded" and health.circuit_breaker_states["fusion_primary"].state.value == "open"
    with pytest.raises(InvalidInputError, match="unknown circuit breaker 'primary'"):
        manager.execute_with_circuit_breaker("primary", _fail)
    assert manager.execute_with_circuit_breaker("judge_fusion", lambda x: x * 2, 21) == 42


def test_degradation_becomes_due_after_the_breach_duration(manager, tick):
    manager.record_fusion_metric("overlay_fusion", False, 10.0)
    manager.check_system_health()
    assert manager.due_degradation_strategies() == []
    tick.t = 300.0
    manager.check_system_health()
    assert manager.due_degradation_strategies() == ["performance_degraded"]
    manager.apply_degradation_strategy("performance_degraded")
    assert manager.due_degradation_strategies() == []


def _fail():
    raise ServerError("boom")


def test_health_checker_combines_components(manager, tmp_path):
    tripwire = BudgetTripwire(tmp_path / "tw.json", consecutive_limit=1)
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
