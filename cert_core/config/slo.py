"""slo.yaml: service level objectives and degradation strategies."""

from __future__ import annotations

from pydantic import Field

from ._base import Section


class SLOObjective(Section):
    target: float | None = Field(None, ge=0.0)
    target_ms: float | None = Field(None, gt=0.0)
    measurement_window_minutes: float = Field(60, gt=0)
    alert_threshold: float | None = Field(None, ge=0.0)
    alert_threshold_ms: float | None = Field(None, gt=0.0)
    critical_threshold: float | None = Field(None, ge=0.0)
    critical_threshold_ms: float | None = Field(None, gt=0.0)
    description: str = ""


class TriggerCondition(Section):
    slo: str
    threshold_breach_duration_minutes: float = Field(5, ge=0)


class DegradationAction(Section):
    type: str
    parameter: str | None = None
    value: str | None = None


class DegradationStrategy(Section):
    trigger_conditions: list[TriggerCondition] = Field(default_factory=list)
    actions: list[DegradationAction] = Field(default_factory=list)


def _default_slos() -> dict[str, SLOObjective]:
    return {
        "fusion_success_rate": SLOObjective(target=0.95),
        "fusion_latency_p95": SLOObjective(target_ms=2000),
    }


class SLOConfig(Section):
    service_level_objectives: dict[str, SLOObjective] = Field(default_factory=_default_slos)
    degradation_strategies: dict[str, DegradationStrategy] = Field(default_factory=dict)
