"""scenario_profiles.yaml: categories, their primary overlays, and routing weights."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._base import Section, StrictSection, check_safe_name

ComplexityLevel = Literal["low", "medium", "high"]


class ComplexityLevels(StrictSection):
    low: float = Field(0.4, ge=0.0, le=1.0)
    medium: float = Field(0.7, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.low >= self.medium:
            raise ValueError(f"low ({self.low}) must be below medium ({self.medium})")
        return self

    def level_of(self, complexity: float) -> ComplexityLevel:
        if complexity <= self.low:
            return "low"
        if complexity <= self.medium:
            return "medium"
        return "high"


class RoutingWeights(StrictSection):
    category: float = Field(0.5, ge=0.0)
    keywords: float = Field(0.3, ge=0.0)
    complexity: float = Field(0.2, ge=0.0)


class CategoryProfile(Section):
    description: str = ""
    primary_overlays: list[str] = Field(min_length=1)

    @field_validator("primary_overlays")
    @classmethod
    def _safe(cls, names: list[str]) -> list[str]:
        return [check_safe_name(n, "overlay name") for n in names]


class OverlayProfile(Section):
    preferred_complexity: ComplexityLevel = "medium"
    keywords: list[str] = Field(default_factory=list)


def _default_categories() -> dict[str, CategoryProfile]:
    return {
        "financial_operations": CategoryProfile(primary_overlays=["rollback_first", "observability_first"]),
        "security_operations": CategoryProfile(primary_overlays=["observability_first", "state_model_first"]),
        "system_integration": CategoryProfile(primary_overlays=["state_model_first", "rollback_first"]),
        "compliance_management": CategoryProfile(primary_overlays=["observability_first", "rollback_first"]),
        "infrastructure_management": CategoryProfile(primary_overlays=["rollback_first", "state_model_first"]),
    }


def _default_overlays() -> dict[str, OverlayProfile]:
    return {
        "rollback_first": OverlayProfile(preferred_complexity="high", keywords=["rollback", "refund", "transaction"]),
        "state_model_first": OverlayProfile(preferred_complexity="medium", keywords=["state", "workflow", "sync"]),
        "observability_first": OverlayProfile(preferred_complexity="low", keywords=["audit", "monitor", "log"]),
    }


class PerformanceTracking(StrictSection):
    """The overlay performance tracker: an average score below the threshold is flagged."""

    performance_threshold: float = Field(0.7, ge=0.0, le=1.0)
    window_size: int = Field(50, ge=1)  # the latest runs per overlay that the averages cover


class ScenarioProfiles(Section):
    complexity_levels: ComplexityLevels = Field(default_factory=ComplexityLevels)
    performance_tracking: PerformanceTracking = Field(default_factory=PerformanceTracking)
    routing_weights: RoutingWeights = Field(default_factory=RoutingWeights)
    categories: dict[str, CategoryProfile] = Field(default_factory=_default_categories)
    overlays: dict[str, OverlayProfile] = Field(default_factory=_default_overlays)

    @field_validator("categories", "overlays")
    @classmethod
    def _safe_keys(cls, mapping: dict) -> dict:
        for key in mapping:
            check_safe_name(key, "name")
        if not mapping:
            raise ValueError("must name at least one entry")
        return mapping

    @model_validator(mode="after")
    def _overlays_known(self):
        for cat, profile in self.categories.items():
            for name in profile.primary_overlays:
                if name not in self.overlays:
                    raise ValueError(
                        f"categories.{cat}.primary_overlays names {name!r}, which is not under overlays: "
                        f"add it there or use one of {sorted(self.overlays)}"
                    )
        return self
