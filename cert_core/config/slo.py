"""slo.yaml: service level objectives and degradation strategies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Section

SLOMetric = Literal["success_rate", "error_rate", "latency_p95", "latency_p99"]
# Name fragments that say what an objective measures when `metric:` is not given.
_METRIC_BY_NAME: tuple[tuple[str, SLOMetric], ...] = (
    ("latency_p95", "latency_p95"),
    ("latency_p99", "latency_p99"),
    ("error_rate", "error_rate"),
    ("availability", "success_rate"),
    ("success_rate", "success_rate"),
)


class SLOObjective(Section):
    """One objective. `metric` says what the SLO monitor measures (inferred from the name when absent);
    `operation` limits it to requests recorded with that operation (None: every request)."""

    metric: SLOMetric | None = None
    operation: str | None = None
    target: float | None = Field(None, ge=0.0)
    target_ms: float | None = Field(None, gt=0.0)
    measurement_window_minutes: float = Field(60, gt=0)
    alert_threshold: float | None = Field(None, ge=0.0)
    alert_threshold_ms: float | None = Field(None, gt=0.0)
    critical_threshold: float | None = Field(None, ge=0.0)
    critical_threshold_ms: float | None = Field(None, gt=0.0)
    description: str = ""

    def resolved_metric(self, name: str) -> SLOMetric | None:
        """The measured metric; None for objectives the request monitor cannot measure (quality, memory...)."""
        if self.metric is not None:
            return self.metric
        for fragment, metric in _METRIC_BY_NAME:
            if fragment in name:
                return metric
        return None


class TriggerCondition(Section):
    slo: str
    threshold_breach_duration_minutes: float = Field(5, ge=0)


class DegradationAction(Section):
    type: str
    parameter: str | None = None
    value: str | None = None


class DegradationStrategy(Section):
    """Applied once any trigger SLO has been violated for its duration; lifted (when auto recovery
    is on) once every trigger SLO has been compliant again for its duration."""

    trigger_conditions: list[TriggerCondition] = Field(default_factory=list)
    actions: list[DegradationAction] = Field(default_factory=list)


class EscalationPolicy(Section):
    auto_recovery_enabled: bool = True  # lift a degradation strategy when its SLOs are met again


class MonitoringConfig(Section):
    # how often (on the safety manager's clock) SLOs are checked and degradation strategies applied or lifted
    check_interval_seconds: float = Field(30, ge=0)
    escalation_policy: EscalationPolicy = Field(default_factory=EscalationPolicy)


def _default_slos() -> dict[str, SLOObjective]:
    return {
        "fusion_success_rate": SLOObjective(metric="success_rate", target=0.95, alert_threshold=0.90),
        "fusion_latency_p95": SLOObjective(metric="latency_p95", target_ms=2000, alert_threshold_ms=3000),
    }


class SLOConfig(Section):
    service_level_objectives: dict[str, SLOObjective] = Field(default_factory=_default_slos)
    monitoring_config: MonitoringConfig = Field(default_factory=MonitoringConfig)
    degradation_strategies: dict[str, DegradationStrategy] = Field(default_factory=dict)
