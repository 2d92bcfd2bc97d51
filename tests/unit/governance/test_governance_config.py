"""The typed governance fields of energy_governance.yaml and slo.yaml (shipped files and bad values)."""

from __future__ import annotations

import pytest

from cert_core.config import load_config
from cert_core.errors import ConfigError


def test_shipped_energy_governance_fields(config_dir):
    eg = load_config(config_dir).energy_governance
    assert [a.threshold for a in eg.monitoring.budget_utilization_alerts] == [0.70, 0.85, 0.95]
    assert eg.monitoring.budget_utilization_alerts[2].alert_level == "critical"
    assert eg.cost_multipliers.load_based_pricing.high_load_premium == 1.3
    assert eg.energy_recovery.efficiency_bonus.quality_bonus_multiplier == 1.15
    assert eg.monitoring.model_extra["cost_anomaly_detection"]["enabled"] is True  # free-form keys kept


def test_shipped_slo_operations(config_dir):
    slo = load_config(config_dir).slo.service_level_objectives
    assert slo["overlay_routing_latency_p95"].operation == "routing"
    assert slo["fusion_error_rate"].resolved_metric("fusion_error_rate") == "error_rate"
    assert slo["circuit_breaker_trip_rate"].resolved_metric("circuit_breaker_trip_rate") is None


@pytest.mark.parametrize(
    ("yaml_text", "match"),
    [
        ("cost_multipliers:\n  load_based_pricing:\n    load_thresholds: {low: 0.8, medium: 0.7, high: 0.9}\n",
         "low <= medium <= high"),
        ("monitoring:\n  budget_utilization_alerts:\n    - {threshold: 1.5}\n", "budget_utilization_alerts"),
        ("energy_recovery:\n  efficiency_bonus:\n    efficiency_bonus_multiplier: 0.5\n", "efficiency_bonus_multiplier"),
    ],
)
def test_bad_governance_values_are_config_errors(tmp_path, yaml_text, match):
    (tmp_path / "energy_governance.yaml").write_text(yaml_text)
    with pytest.raises(ConfigError, match=match):
        load_config(tmp_path)


def test_bad_slo_metric_is_a_config_error(tmp_path):
    (tmp_path / "slo.yaml").write_text("service_level_objectives:\n  x:\n    metric: latency_p50\n    target_ms: 10\n")
    with pytest.raises(ConfigError, match="metric"):
        load_config(tmp_path)
