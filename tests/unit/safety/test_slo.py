"""SLOMonitor: sliding windows, hand-computed rates and percentiles, severity, empty windows."""

from __future__ import annotations

import pytest

from cert_core.config.slo import SLOConfig
from cert_core.errors import InvalidInputError
from cert_core.safety import SLOMonitor

CONFIG = SLOConfig.model_validate({
    "service_level_objectives": {
        "fusion_availability": {"target": 0.9, "alert_threshold": 0.8, "critical_threshold": 0.5,
                                "measurement_window_minutes": 10},
        "fusion_error_rate": {"target": 0.1, "measurement_window_minutes": 10},
        "fusion_latency_p95": {"target_ms": 100, "alert_threshold_ms": 150, "measurement_window_minutes": 1},
        "fusion_latency_p99": {"target_ms": 200, "measurement_window_minutes": 1},
        "overlay_routing_latency_p95": {"metric": "latency_p95", "operation": "routing", "target_ms": 5},
        "fusion_quality_score": {"target": 0.85},  # not measured from request outcomes
    }
})


def test_empty_window_is_compliant_with_no_current_value():
    status = SLOMonitor(CONFIG, clock=lambda: 0.0).check_slo_compliance()
    assert set(status) == {"fusion_availability", "fusion_error_rate", "fusion_latency_p95", "fusion_latency_p99",
                           "overlay_routing_latency_p95"}
    assert all(s.compliant and s.current is None and s.samples == 0 and s.severity == "ok" for s in status.values())


def test_rates_and_percentiles_are_hand_computed():
    mon = SLOMonitor(CONFIG, clock=lambda: 100.0)
    for i in range(1, 101):  # latencies 1..100 ms, every 10th request fails
        mon.record_request_outcome(success=i % 10 != 0, latency_ms=float(i), now=50.0)
    s = mon.check_slo_compliance()
    assert s["fusion_availability"].current == pytest.approx(0.9) and s["fusion_availability"].compliant
    assert s["fusion_error_rate"].current == pytest.approx(0.1) and s["fusion_error_rate"].compliant
    assert s["fusion_latency_p95"].current == pytest.approx(95.05)  # numpy linear: 1 + 0.95 * 99
    assert s["fusion_latency_p99"].current == pytest.approx(99.01)
    assert s["overlay_routing_latency_p95"].current is None  # no request had operation="routing"


def test_severity_levels():
    mon = SLOMonitor(CONFIG, clock=lambda: 0.0)
    for success in [True] * 6 + [False] * 4:
        mon.record_request_outcome(success, 120.0, now=0.0)
    s = mon.check_slo_compliance()
    assert s["fusion_availability"].severity == "alert"  # 0.6 < 0.8 but not < 0.5
    assert s["fusion_latency_p95"].severity == "violated"  # 120 > 100, not > 150
    assert not s["fusion_error_rate"].compliant
    for _ in range(10):
        mon.record_request_outcome(False, 120.0, now=0.0)
    assert mon.check_slo_compliance()["fusion_availability"].severity == "critical"  # 0.3


def test_old_outcomes_slide_out_of_each_window():
    now = {"t": 0.0}
    mon = SLOMonitor(CONFIG, clock=lambda: now["t"])
    mon.record_request_outcome(False, 500.0)
    now["t"] = 61.0  # past the 1-minute latency window, inside the 10-minute availability window
    mon.record_request_outcome(True, 10.0)
    s = mon.check_slo_compliance()
    assert s["fusion_latency_p95"].current == 10.0 and s["fusion_latency_p95"].samples == 1
    assert s["fusion_availability"].current == 0.5
    now["t"] = 662.0
    assert mon.check_slo_compliance()["fusion_availability"].current is None


def test_operation_filter():
    mon = SLOMonitor(CONFIG, clock=lambda: 0.0)
    mon.record_request_outcome(True, 9.0, operation="routing")
    mon.record_request_outcome(True, 1.0, operation="overlay_fusion")
    s = mon.check_slo_compliance()
    assert s["overlay_routing_latency_p95"].current == 9.0 and not s["overlay_routing_latency_p95"].compliant
    assert s["fusion_latency_p95"].samples == 2


@pytest.mark.parametrize("latency", [-1.0, float("nan"), float("inf"), "fast"])
def test_bad_latency_is_invalid_input(latency):
    with pytest.raises(InvalidInputError, match="latency_ms"):
        SLOMonitor(CONFIG).record_request_outcome(True, latency)


def test_shipped_slo_yaml_measures_the_request_objectives(config_dir):
    from cert_core.config import load_config

    mon = SLOMonitor(load_config(config_dir).slo)
    assert mon.measured_objectives == [
        "fusion_availability", "fusion_error_rate", "fusion_latency_p95", "fusion_latency_p99",
        "overlay_application_availability", "overlay_routing_latency_p95",
    ]
