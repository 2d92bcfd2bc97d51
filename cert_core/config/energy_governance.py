"""energy_governance.yaml: token/cost budgets, the tripwire, recovery and allocation weights."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ._base import Section


class BudgetLimits(Section):
    daily_token_limit: int = Field(100_000, gt=0)
    hourly_burst_limit: int = Field(15_000, gt=0)
    daily_cost_limit_usd: float = Field(150.0, gt=0)
    hourly_cost_limit_usd: float = Field(22.5, gt=0)
    max_tokens_per_operation: int = Field(5_000, gt=0)
    max_cost_per_operation_usd: float = Field(7.5, gt=0)
    emergency_reserve_tokens: int = Field(10_000, ge=0)
    maintenance_reserve_tokens: int = Field(5_000, ge=0)
    # A hold not committed or released within this time no longer counts against any cap (its process
    # died). None: the LLM call timeout x every attempt (inner attempts x task tries) + the margin.
    reservation_ttl_s: float | None = Field(None, gt=0)
    reservation_ttl_margin_s: float = Field(120.0, ge=0)

    @model_validator(mode="after")
    def _burst_within_daily(self):
        if self.hourly_burst_limit > self.daily_token_limit:
            raise ValueError(
                f"hourly_burst_limit ({self.hourly_burst_limit}) cannot exceed daily_token_limit ({self.daily_token_limit})"
            )
        return self


class LoadThresholds(Section):
    low: float = Field(0.3, ge=0, le=1)
    medium: float = Field(0.7, ge=0, le=1)
    high: float = Field(0.9, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.medium <= self.high:
            raise ValueError(f"load thresholds must satisfy low <= medium <= high, got {self.low}, {self.medium}, {self.high}")
        return self


class LoadBasedPricing(Section):
    """Load = daily token utilisation (0..1): cheaper below `low`, dearer at or above `high`."""

    enabled: bool = True
    low_load_discount: float = Field(0.9, gt=0, le=1)
    high_load_premium: float = Field(1.3, ge=1)
    load_thresholds: LoadThresholds = Field(default_factory=LoadThresholds)


class CostMultipliers(Section):
    base_multiplier: float = Field(1.0, gt=0)
    complexity_factor: float = Field(0.3, ge=0)
    quality_premium: float = Field(0.2, ge=0)
    urgency_multiplier: float = Field(0.15, ge=0)
    load_based_pricing: LoadBasedPricing = Field(default_factory=LoadBasedPricing)


class RecoveryConditions(Section):
    consecutive_normal_operations: int = Field(5, ge=1)
    time_since_last_breach_hours: float = Field(2, ge=0)
    system_health_check_passed: bool = True


def _default_downgrade() -> dict[str, str]:
    return {
        "ENTROPY_REDUCTION_TARGET": "0.50",
        "CONTINUITY_ENFORCEMENT": "basic_thread",
        "TRUST_SCORING_MODEL": "simple_alignment",
        "PRIMARY_MODEL_SELECTION": "single_model",
        "FUSION_MODE": "baseline_only",
    }


class BudgetTripwireConfig(Section):
    enabled: bool = True
    breach_threshold_percentage: float = Field(12.0, gt=0)
    consecutive_breach_limit: int = Field(3, ge=1)
    recovery_threshold_percentage: float = Field(8.0, ge=0)
    downgrade_parameters: dict[str, str] = Field(default_factory=_default_downgrade)
    recovery_conditions: RecoveryConditions = Field(default_factory=RecoveryConditions)

    @model_validator(mode="after")
    def _recovery_below_breach(self):
        if self.recovery_threshold_percentage > self.breach_threshold_percentage:
            raise ValueError(
                f"recovery_threshold_percentage ({self.recovery_threshold_percentage}) must not exceed "
                f"breach_threshold_percentage ({self.breach_threshold_percentage})"
            )
        return self


class EfficiencyBonus(Section):
    enabled: bool = True
    high_efficiency_threshold: float = Field(0.90, ge=0, le=1)
    efficiency_bonus_multiplier: float = Field(1.2, ge=1)
    quality_bonus_threshold: float = Field(0.85, ge=0, le=1)
    quality_bonus_multiplier: float = Field(1.15, ge=1)


class EnergyRecovery(Section):
    enabled: bool = True
    recovery_rate_per_hour: float = Field(0.1, ge=0)
    max_recovery_factor: float = Field(2.0, ge=1)
    cooldown_period_seconds: float = Field(300, ge=0)
    efficiency_bonus: EfficiencyBonus = Field(default_factory=EfficiencyBonus)


def _default_priorities() -> dict[str, float]:
    return {"critical": 3.0, "high": 2.0, "medium": 1.0, "low": 0.5}


def _default_categories() -> dict[str, float]:
    return {
        "financial_operations": 0.30,
        "security_operations": 0.25,
        "compliance_management": 0.20,
        "system_integration": 0.15,
        "infrastructure_management": 0.10,
    }


class AllocationStrategies(Section):
    priority_weights: dict[str, float] = Field(default_factory=_default_priorities)
    category_allocations: dict[str, float] = Field(default_factory=_default_categories)

    @field_validator("priority_weights")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        for name, w in weights.items():
            if w <= 0:
                raise ValueError(f"priority weight {name!r} must be > 0, got {w}")
        return weights

    @field_validator("category_allocations")
    @classmethod
    def _fractions(cls, shares: dict[str, float]) -> dict[str, float]:
        for name, s in shares.items():
            if not 0 <= s <= 1:
                raise ValueError(f"category allocation {name!r} must be a fraction in [0, 1], got {s}")
        total = sum(shares.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"category allocations must sum to at most 1.0, got {total:.2f}")
        return shares


class UtilizationAlert(Section):
    threshold: float = Field(gt=0, le=1)
    alert_level: str = "info"
    message: str = ""


def _default_alerts() -> list[UtilizationAlert]:
    return [
        UtilizationAlert(threshold=0.70, alert_level="info", message="Budget utilization at 70%"),
        UtilizationAlert(threshold=0.85, alert_level="warning", message="Budget utilization at 85% - consider optimization"),
        UtilizationAlert(threshold=0.95, alert_level="critical", message="Budget utilization at 95% - immediate action required"),
    ]


class BudgetMonitoring(Section):
    budget_utilization_alerts: list[UtilizationAlert] = Field(default_factory=_default_alerts)

    @field_validator("budget_utilization_alerts")
    @classmethod
    def _sorted(cls, alerts: list[UtilizationAlert]) -> list[UtilizationAlert]:
        return sorted(alerts, key=lambda a: a.threshold)


class EnergyGovernanceConfig(Section):
    budget_limits: BudgetLimits = Field(default_factory=BudgetLimits)
    cost_multipliers: CostMultipliers = Field(default_factory=CostMultipliers)
    budget_tripwire: BudgetTripwireConfig = Field(default_factory=BudgetTripwireConfig)
    energy_recovery: EnergyRecovery = Field(default_factory=EnergyRecovery)
    allocation_strategies: AllocationStrategies = Field(default_factory=AllocationStrategies)
    monitoring: BudgetMonitoring = Field(default_factory=BudgetMonitoring)
