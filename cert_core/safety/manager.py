"""ProductionSafetyManager: SLOs, named circuit breakers and degradation strategies in one place.

- record_fusion_metric feeds the SLO monitor (one request outcome per call).
- check_system_health: "unhealthy" when an SLO misses its critical threshold, "degraded" when an SLO
  is violated, a breaker is not closed or a degradation strategy is applied, else "healthy".
- execute_with_circuit_breaker runs a call through a named breaker (unknown name: InvalidInputError).
- apply_degradation_strategy applies a strategy of slo.yaml: each action with `parameter`/`value`
  overrides that overlay parameter in `effective_overlay_params` until `clear_degradation`.
- due_degradation_strategies: strategies whose trigger SLO has been violated for at least its
  `threshold_breach_duration_minutes` (tracked across check_system_health calls); the caller decides.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from ..config.circuit_breakers import CircuitBreakersConfig
from ..config.slo import SLOConfig
from ..errors import InvalidInputError
from ..observability import get_logger
from .breakers import BreakerRegistry
from .circuit_breaker import BreakerState, CircuitState
from .slo import SLOMonitor, SLOStatus

log = get_logger(__name__)
T = TypeVar("T")
HealthStatus = Literal["healthy", "degraded", "unhealthy"]


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

    @classmethod
    def from_config(
        cls, slo: SLOConfig, circuit_breakers: CircuitBreakersConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> ProductionSafetyManager:
        return cls(slo, BreakerRegistry.from_config(circuit_breakers, clock=clock), clock=clock)

    def record_fusion_metric(
        self, operation: str, success: bool, latency_ms: float, **tags: Any
    ) -> None:
        """Tags (overlay_name, scenario_id, error_type, tripwire tags...) go to the debug log only."""
        self.slo_monitor.record_request_outcome(success, latency_ms, operation=operation)
        log.debug("fusion metric", extra={"operation": operation, "success": success, "latency_ms": latency_ms,
                                          **{k: str(v) for k, v in tags.items()}})

    def execute_with_circuit_breaker(self, name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.breakers.get(name).call(fn, *args, **kwargs)

    def check_system_health(self) -> SystemHealth:
        statuses = self.slo_monitor.check_slo_compliance()
        now = self._clock()
        with self._lock:
            for name, status in statuses.items():
                if status.compliant:
                    self._violated_since.pop(name, None)
                else:
                    self._violated_since.setdefault(name, now)
            degraded = tuple(self._applied)
        violations = tuple(s for s in statuses.values() if not s.compliant)
        breaker_states = self.breakers.states()
        overall: HealthStatus = "healthy"
        if violations or degraded or any(b.state is not CircuitState.CLOSED for b in breaker_states.values()):
            overall = "degraded"
        if any(s.severity == "critical" for s in violations):
            overall = "unhealthy"
        return SystemHealth(overall, violations, breaker_states, degraded, statuses)

    def due_degradation_strategies(self) -> list[str]:
        now = self._clock()
        with self._lock:
            due = []
            for name, strategy in self.slo_config.degradation_strategies.items():
                for cond in strategy.trigger_conditions:
                    since = self._violated_since.get(cond.slo)
                    if since is not None and now - since >= cond.threshold_breach_duration_minutes * 60:
                        due.append(name)
                        break
            return sorted(set(due) - set(self._applied))

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

    def clear_degradation(self, name: str | None = None) -> None:
        with self._lock:
            if name is None:
                self._applied.clear()
            else:
                self._applied.pop(name, None)

    @property
    def degraded_services(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._applied)

    def effective_overlay_params(self, base: Mapping[str, str]) -> dict[str, str]:
        params = dict(base)
        with self._lock:
            for overrides in self._applied.values():
                params.update(overrides)
        return params
