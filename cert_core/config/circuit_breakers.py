"""circuit_breakers.yaml: named breakers and their thresholds."""

from __future__ import annotations

from pydantic import Field, field_validator

from ._base import Section, check_safe_name


class TripCondition(Section):
    metric: str
    threshold: float | None = None
    threshold_ms: float | None = Field(None, gt=0)
    consecutive_violations: int = Field(3, ge=1)
    window_minutes: float = Field(5, gt=0)


class BreakerConfig(Section):
    enabled: bool = True
    failure_threshold: int = Field(5, ge=1)
    recovery_timeout_seconds: float = Field(300, gt=0)
    half_open_max_calls: int = Field(3, ge=1)
    success_threshold: int = Field(2, ge=1)
    trip_conditions: list[TripCondition] = Field(default_factory=list)


def _default_breakers() -> dict[str, BreakerConfig]:
    return {
        "fusion_primary": BreakerConfig(),
        "judge_fusion": BreakerConfig(failure_threshold=3, recovery_timeout_seconds=180, half_open_max_calls=2),
    }


class CircuitBreakersConfig(Section):
    circuit_breakers: dict[str, BreakerConfig] = Field(default_factory=_default_breakers)

    @field_validator("circuit_breakers")
    @classmethod
    def _safe_names(cls, breakers: dict[str, BreakerConfig]) -> dict[str, BreakerConfig]:
        for name in breakers:
            check_safe_name(name, "breaker name")
        return breakers
