"""EnergyGovernanceController: approve or deny token budgets on top of the SQL ledger.

allocate_budget (energy_governance.yaml):
- cost multiplier = base_multiplier
      x (1 + complexity_factor x complexity)            context "scenario_complexity"/"complexity", 0..1
      x (1 + urgency_multiplier x (priority_weight - 1)) only for weights above 1 (high, critical)
      x (1 + quality_premium)                           when context "require_high_quality" is true
      x load factor                                     low_load_discount below the low threshold of daily
                                                        utilisation, high_load_premium at or above high
- allocated tokens = max(estimate, ceil(estimated tokens x multiplier)); that amount (and the estimated
  cost x max(1, multiplier)) is reserved in the ledger, so the hourly and daily caps hold across
  processes. A discount (multiplier below 1) never shrinks the hold below the estimate, which is the
  most the call can use; a commit above its hold or past a cap is recorded and alarmed (`_alarm`).
- denied, with the limit named, when above max_tokens_per_operation (x the recovery factor) or
  max_cost_per_operation_usd, when the hourly or daily window is full, when the category has used its
  share (category_allocations x daily limit) or, for every priority but the highest, when the allocation
  would eat into the emergency + maintenance reserves.
record_consumption commits the actual usage; efficiency = min(1, allocated / actual).
Energy recovery (per controller, in memory): an efficient, successful operation raises the per-operation
allowance by efficiency_bonus_multiplier (x quality_bonus_multiplier when the mean quality metric reaches
quality_bonus_threshold), up to max_recovery_factor; the bonus wears off at recovery_rate_per_hour; a
failed or inefficient operation resets it to 1 and starts cooldown_period_seconds without bonuses.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import CertConfig
from ..config.energy_governance import EnergyGovernanceConfig
from ..errors import InvalidInputError
from ..observability import METRICS, get_logger
from .ledger import BudgetLedger, Denial, LedgerLimits, Settlement, Usage

log = get_logger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Allocation:
    approved: bool
    operation_id: str
    allocated_tokens: int  # reserved in the ledger (0 when denied)
    cost_multiplier: float
    reason: str
    budget_remaining: int  # daily tokens left after this decision
    priority: str
    category: str | None
    estimated_tokens: int
    denied_by: str | None = None  # the cap that denied it


@dataclass(frozen=True)
class Consumption:
    operation_id: str
    actual_tokens: int
    allocated_tokens: int
    efficiency_ratio: float
    token_delta_pct: float  # (actual - allocated) / allocated x 100, the tripwire's input
    budget_remaining: int
    recovery_factor: float
    success: bool


@dataclass(frozen=True)
class TripwireState:
    name: str
    triggered: bool
    utilization: float
    threshold: float | None  # the highest alert threshold crossed
    level: str | None
    message: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


def hold_ttl_s(config: CertConfig) -> float:
    """How long a budget hold may stay uncommitted before it stops counting: `reservation_ttl_s`, or
    the LLM call timeout x every attempt (inner attempts x task tries) + `reservation_ttl_margin_s`."""
    limits = config.energy_governance.budget_limits
    if limits.reservation_ttl_s is not None:
        return limits.reservation_ttl_s
    a = config.llm.anthropic
    return a.timeout_s * a.max_attempts * (a.task_retries + 1) + limits.reservation_ttl_margin_s


def ledger_limits(cfg: EnergyGovernanceConfig) -> LedgerLimits:
    b = cfg.budget_limits
    return LedgerLimits(b.daily_token_limit, b.hourly_burst_limit, b.daily_cost_limit_usd, b.hourly_cost_limit_usd)


class EnergyGovernanceController:
    def __init__(self, config: EnergyGovernanceConfig, ledger: BudgetLedger, *, clock: Clock = _utcnow) -> None:
        self.config = config
        self.ledger = ledger
        self._clock = clock
        self._factor = 1.0
        self._factor_at: datetime | None = None
        self._cooldown_until: datetime | None = None

    @classmethod
    def from_config(
        cls, config: EnergyGovernanceConfig, ledger_url: str, *, table_prefix: str = "cert_", clock: Clock = _utcnow,
        hold_ttl_s: float | None = None,
    ) -> EnergyGovernanceController:
        """`hold_ttl_s` (from `hold_ttl_s(config)`): uncommitted holds stop counting after it; None: never."""
        ledger = BudgetLedger(ledger_url, ledger_limits(config), table_prefix=table_prefix, hold_ttl_s=hold_ttl_s)
        return cls(config, ledger, clock=clock)

    def close(self) -> None:
        """Close the ledger's database connections."""
        self.ledger.dispose()

    # -- allocation ------------------------------------------------------------------------------

    def allocate_budget(
        self,
        operation_type: str,
        estimated_tokens: int,
        priority: str = "medium",
        category: str | None = None,
        context: Mapping[str, Any] | None = None,
        *,
        operation_id: str | None = None,
        estimated_cost_usd: float = 0.0,
    ) -> Allocation:
        weights = self.config.allocation_strategies.priority_weights
        if priority not in weights:
            raise InvalidInputError(
                f"unknown priority {priority!r}; use one of {', '.join(sorted(weights, key=weights.get))}"
            )
        if isinstance(estimated_tokens, bool) or not isinstance(estimated_tokens, int) or estimated_tokens < 1:
            raise InvalidInputError(
                f"estimated_tokens must be a whole number >= 1, got {estimated_tokens!r}; pass the expected "
                "input + output tokens of the call"
            )
        if not isinstance(estimated_cost_usd, (int, float)) or not math.isfinite(estimated_cost_usd) or estimated_cost_usd < 0:
            raise InvalidInputError(f"estimated_cost_usd must be a finite amount >= 0, got {estimated_cost_usd!r}")
        context = dict(context or {})
        now = self._now()
        op_id = operation_id or f"{operation_type}-{uuid.uuid4().hex[:16]}"
        limits = self.config.budget_limits
        usage = self.ledger.usage(now)
        multiplier = self._cost_multiplier(weights[priority], context, usage)
        # The hold covers at least the estimate (the most the call can use): a discount lowers the
        # multiplier reported with the decision, never the hold, so a commit cannot outgrow it.
        allocated = max(estimated_tokens, math.ceil(estimated_tokens * multiplier))
        cost = estimated_cost_usd * max(1.0, multiplier)

        def deny(reason: str, cap: str) -> Allocation:
            METRICS.budget_denials.labels(reason=cap).inc()
            log.info("budget allocation denied", extra={"operation_id": op_id, "cap": cap, "reason": reason})
            return Allocation(False, op_id, 0, multiplier, reason, usage.daily_tokens_remaining, priority,
                              category, estimated_tokens, cap)

        per_op = math.floor(limits.max_tokens_per_operation * self.recovery_factor(now))
        if allocated > per_op:
            return deny(f"per-operation limit: {allocated} tokens (estimate {estimated_tokens} x {multiplier:.2f}) "
                        f"is above max_tokens_per_operation {per_op}; split the operation", "per_operation_tokens")
        if cost > limits.max_cost_per_operation_usd:
            return deny(f"per-operation cost ${cost:.4f} is above max_cost_per_operation_usd "
                        f"${limits.max_cost_per_operation_usd:.2f}", "per_operation_cost")
        top_priority = weights[priority] >= max(weights.values())
        reserves = limits.emergency_reserve_tokens + limits.maintenance_reserve_tokens
        share = self.config.allocation_strategies.category_allocations.get(category) if category else None
        result = self.ledger.reserve(
            op_id, allocated, cost, now,
            category=category,
            category_daily_tokens=math.floor(share * limits.daily_token_limit) if share is not None else None,
            daily_token_cap=None if top_priority else max(0, limits.daily_token_limit - reserves),
        )
        if isinstance(result, Denial):
            note = " (the last tokens are reserved for the top priority)" if result.cap == "daily_tokens" and not top_priority else ""
            return deny(f"{result.reason}{note}", result.cap)
        remaining = max(0, limits.daily_token_limit - (result.daily_tokens_used or 0))
        return Allocation(True, op_id, allocated, multiplier, f"approved {allocated} tokens for {operation_type}",
                          remaining, priority, category, estimated_tokens)

    def _cost_multiplier(self, weight: float, context: dict[str, Any], usage: Usage) -> float:
        cm = self.config.cost_multipliers
        complexity = context.get("scenario_complexity", context.get("complexity", 0.0))
        if isinstance(complexity, bool) or not isinstance(complexity, (int, float)) or not 0 <= complexity <= 1:
            raise InvalidInputError(f"context complexity must be a number in [0, 1], got {complexity!r}")
        multiplier = cm.base_multiplier * (1 + cm.complexity_factor * complexity)
        multiplier *= 1 + cm.urgency_multiplier * max(0.0, weight - 1)
        if context.get("require_high_quality"):
            multiplier *= 1 + cm.quality_premium
        pricing = cm.load_based_pricing
        if pricing.enabled:
            load = usage.daily_tokens / usage.limits.daily_tokens
            if load < pricing.load_thresholds.low:
                multiplier *= pricing.low_load_discount
            elif load >= pricing.load_thresholds.high:
                multiplier *= pricing.high_load_premium
        return round(multiplier, 6)

    # -- consumption and recovery -------------------------------------------------------------------

    def record_consumption(
        self,
        operation_id: str,
        actual_tokens: int,
        success: bool,
        cost_usd: float = 0.0,
        quality_metrics: Mapping[str, float] | None = None,
    ) -> Consumption:
        if isinstance(actual_tokens, bool) or not isinstance(actual_tokens, int) or actual_tokens < 0:
            raise InvalidInputError(f"actual_tokens must be a whole number >= 0, got {actual_tokens!r}")
        settled = self.ledger.commit(operation_id, actual_tokens, cost_usd)
        self._alarm(settled)
        allocated = settled.reserved_tokens
        efficiency = min(1.0, allocated / actual_tokens) if actual_tokens > 0 else 1.0
        delta = (actual_tokens - allocated) / allocated * 100 if allocated > 0 else 0.0
        now = self._now()
        self._update_recovery(now, success, efficiency, quality_metrics)
        remaining = max(0, self.config.budget_limits.daily_token_limit - settled.daily_tokens_used)
        return Consumption(operation_id, actual_tokens, allocated, round(efficiency, 6), round(delta, 6),
                           remaining, self.recovery_factor(now), success)

    @staticmethod
    def _alarm(settled: Settlement) -> None:
        """A commit above its hold, after its hold expired, or past a cap: recorded, and never unseen."""
        kinds = (["over_reservation"] if settled.over_reservation else []) + (["late"] if settled.late else [])
        for kind in [*kinds, *settled.over_caps]:
            METRICS.budget_overcommits.labels(kind=kind).inc()
        if settled.over_caps:
            log.error("budget cap exceeded by a commit: %s (reserved %d, used %d tokens)",
                      ", ".join(settled.over_caps), settled.reserved_tokens, settled.actual_tokens,
                      extra={"operation_id": settled.operation_id, "caps": list(settled.over_caps)})
        elif kinds:
            log.warning("budget commit %s: reserved %d, used %d tokens", " and ".join(kinds),
                        settled.reserved_tokens, settled.actual_tokens, extra={"operation_id": settled.operation_id})

    def release(self, operation_id: str) -> None:
        """The call was never made: give the reservation back."""
        self.ledger.release(operation_id)

    def recovery_factor(self, now: datetime | None = None) -> float:
        rec = self.config.energy_recovery
        if not rec.enabled or self._factor_at is None:
            return 1.0
        hours = ((now or self._now()) - self._factor_at).total_seconds() / 3600
        return round(max(1.0, self._factor - rec.recovery_rate_per_hour * max(0.0, hours)), 6)

    def _update_recovery(self, now: datetime, success: bool, efficiency: float, quality: Mapping[str, float] | None) -> None:
        rec = self.config.energy_recovery
        if not rec.enabled:
            return
        bonus = rec.efficiency_bonus
        current = self.recovery_factor(now)
        if not success or efficiency < bonus.high_efficiency_threshold:
            self._factor, self._factor_at = 1.0, now
            self._cooldown_until = now + timedelta(seconds=rec.cooldown_period_seconds)
            return
        if not bonus.enabled or (self._cooldown_until is not None and now < self._cooldown_until):
            return
        step = bonus.efficiency_bonus_multiplier
        values = [float(v) for v in (quality or {}).values()]
        if values and sum(values) / len(values) >= bonus.quality_bonus_threshold:
            step *= bonus.quality_bonus_multiplier
        self._factor, self._factor_at = min(rec.max_recovery_factor, current * step), now

    # -- monitoring --------------------------------------------------------------------------------

    def check_tripwires(self, now: datetime | None = None) -> dict[str, TripwireState]:
        """Budget utilisation against the configured alert thresholds (0.70 / 0.85 / 0.95 by default)."""
        usage = self.ledger.usage(now or self._now())
        limits = usage.limits
        ratios = {
            "daily_tokens": usage.daily_tokens / limits.daily_tokens,
            "hourly_tokens": usage.hourly_tokens / limits.hourly_tokens,
            "daily_cost": usage.daily_cost_usd / limits.daily_cost_usd,
            "hourly_cost": usage.hourly_cost_usd / limits.hourly_cost_usd,
        }
        states = {}
        for name, ratio in ratios.items():
            crossed = [a for a in self.config.monitoring.budget_utilization_alerts if ratio >= a.threshold]
            top = crossed[-1] if crossed else None
            states[name] = TripwireState(
                name=name, triggered=top is not None, utilization=round(ratio, 6),
                threshold=top.threshold if top else None, level=top.alert_level if top else None,
                message=f"{name}: {top.message}" if top else f"{name} at {ratio:.0%}",
            )
        return states

    def _now(self) -> datetime:
        now = self._clock()
        return now if now.tzinfo else now.replace(tzinfo=UTC)
