"""ProductionSafetyManager: SLOs, named circuit breakers and degradation strategies in one place.

- record_fusion_metric feeds the SLO monitor (one request outcome per call).
- check_system_health: "unhealthy" when an SLO misses its critical threshold, "degraded" when an SLO
  is violated, a breaker is not closed or a degradation strategy is applied, else "healthy".
- update_degradation (called after each recorded outcome; it checks at most once per
  `monitoring_config.check_interval_seconds`) applies a strategy of slo.yaml once any of its
  trigger SLOs has been violated for that trigger's `threshold_breach_duration_minutes`, and, with
  `escalation_policy.auto_recovery_enabled`, lifts it once every trigger SLO has been compliant
  again for its duration. An applied strategy's actions with `parameter`/`value` override those
  overlay parameters in `degradation_snapshot`, so the calls that follow run degraded and their
  rows name the strategy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..config.circuit_breakers import CircuitBreakersConfig
from ..config.slo import SLOConfig
from ..errors import InvalidInputError
from ..observability import get_logger
from ..statuses import HealthStatus
from .breakers import BreakerRegistry
from .circuit_breaker import BreakerState, CircuitState
from .slo import SLOMonitor, SLOStatus

__all__ = ["DegradationChange", "DegradationResult", "ProductionSafetyManager", "SystemHealth"]

log = get_logger(__name__)


@dataclass(frozen=True)
class SystemHealth:
    overall_health: HealthStatus
    slo_violations: tuple[SLOStatus, ...]
    circuit_breaker_states: dict[str, BreakerState]
    degraded_services: tuple[str, ...]
    slo_status: dict[str, SLOStatus]


@dataclass(frozen=True)
class DegradationResult:
    strategy: str
    changed_parameters: dict[str, str]  # parameter -> value this strategy sets
    skipped_actions: tuple[str, ...]  # action types without a parameter to set


@dataclass(frozen=True)
class DegradationChange:
    applied: tuple[str, ...] = ()
    lifted: tuple[str, ...] = ()


class ProductionSafetyManager:
    def __init__(
        self,
        slo_config: SLOConfig,
        breakers: BreakerRegistry,
        slo_monitor: SLOMonitor | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.slo_config = slo_config
        self.breakers = breakers
        self.slo_monitor = slo_monitor or SLOMonitor(slo_config, clock=clock)
        self._clock = clock
        self._lock = threading.Lock()
        self._applied: dict[str, dict[str, str]] = {}  # strategy -> overrides, in application order
        self._violated_since: dict[str, float] = {}
        self._compliant_since: dict[str, float] = {}
        self._last_check: float | None = None

    @classmethod
    def from_config(
        cls, slo: SLOConfig, circuit_breakers: CircuitBreakersConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> ProductionSafetyManager:
        return cls(slo, BreakerRegistry.from_config(circuit_breakers, clock=clock), clock=clock)

    def record_fusion_metric(self, operation: str, success: bool, latency_ms: float, **tags: object) -> None:
        """Tags (overlay_name, scenario_id, error_type...) go to the debug log only."""
        self.slo_monitor.record_request_outcome(success, latency_ms, operation=operation)
        log.debug("fusion metric", extra={"operation": operation, "success": success, "latency_ms": latency_ms,
                                          **{k: str(v) for k, v in tags.items()}})

    def check_system_health(self) -> SystemHealth:
        statuses = self.slo_monitor.check_slo_compliance()
        now = self._clock()
        with self._lock:
            for name, status in statuses.items():
                if status.compliant:
                    self._violated_since.pop(name, None)
                    self._compliant_since.setdefault(name, now)
                else:
                    self._compliant_since.pop(name, None)
                    self._violated_since.setdefault(name, now)
            degraded = tuple(self._applied)
        violations = tuple(s for s in statuses.values() if not s.compliant)
        breaker_states = self.breakers.states()
        overall = HealthStatus.HEALTHY
        if violations or degraded or any(b.state is not CircuitState.CLOSED for b in breaker_states.values()):
            overall = HealthStatus.DEGRADED
        if any(s.severity == "critical" for s in violations):
            overall = HealthStatus.UNHEALTHY
        return SystemHealth(overall, violations, breaker_states, degraded, statuses)

    def due_degradation_strategies(self) -> list[str]:
        """Strategies not yet applied whose trigger SLO has been violated for its duration."""
        now = self._clock()
        with self._lock:
            due = [name for name, strategy in self.slo_config.degradation_strategies.items()
                   if name not in self._applied and any(
                       _held(self._violated_since, c.slo, now, c.threshold_breach_duration_minutes)
                       for c in strategy.trigger_conditions)]
            return sorted(due)

    def recovered_degradation_strategies(self) -> list[str]:
        """Applied strategies whose measured trigger SLOs have all been compliant for their durations."""
        if not self.slo_config.monitoring_config.escalation_policy.auto_recovery_enabled:
            return []
        now = self._clock()
        measured = set(self.slo_monitor.measured_objectives)  # a trigger nobody measures cannot hold it back
        strategies = self.slo_config.degradation_strategies
        with self._lock:
            recovered = []
            for name in self._applied:
                conditions = [c for c in strategies[name].trigger_conditions if c.slo in measured]
                if conditions and all(_held(self._compliant_since, c.slo, now, c.threshold_breach_duration_minutes)
                                      for c in conditions):
                    recovered.append(name)
            return recovered

    def update_degradation(self) -> DegradationChange:
        """Apply what is due and lift what has recovered; at most once per check interval."""
        now = self._clock()
        with self._lock:
            interval = self.slo_config.monitoring_config.check_interval_seconds
            if self._last_check is not None and now - self._last_check < interval:
                return DegradationChange()
            self._last_check = now
        self.check_system_health()
        applied = tuple(self.apply_degradation_strategy(name).strategy for name in self.due_degradation_strategies())
        lifted = tuple(self.recovered_degradation_strategies())
        for name in lifted:
            with self._lock:
                self._applied.pop(name, None)
            log.warning("degradation strategy lifted: its SLOs are met again", extra={"strategy": name})
        return DegradationChange(applied, lifted)

    def apply_degradation_strategy(self, name: str) -> DegradationResult:
        strategies = self.slo_config.degradation_strategies
        if name not in strategies:
            raise InvalidInputError(
                f"unknown degradation strategy {name!r}; configured in slo.yaml: {', '.join(sorted(strategies)) or '(none)'}"
            )
        changed: dict[str, str] = {}
        skipped: list[str] = []
        for action in strategies[name].actions:
            if action.parameter is not None and action.value is not None:
                changed[action.parameter] = action.value
            else:
                skipped.append(action.type)
        with self._lock:
            self._applied.pop(name, None)
            self._applied[name] = changed  # re-applying moves it last, so its values win
        log.warning("degradation strategy applied", extra={"strategy": name, "parameters": changed})
        return DegradationResult(name, dict(changed), tuple(skipped))

    def degradation_snapshot(self, base: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
        """The overlay parameters with every applied strategy's overrides, and those strategies' names."""
        params = dict(base)
        with self._lock:
            for overrides in self._applied.values():
                params.update(overrides)
            return params, tuple(self._applied)


def _held(since: Mapping[str, float], slo: str, now: float, minutes: float) -> bool:
    start = since.get(slo)
    return start is not None and now - start >= minutes * 60
