"""HealthChecker: one healthy / degraded / unhealthy verdict over every registered component.

Built-in components: the safety manager (SLOs, breakers, degradation), the budget tripwire (an
active downgrade is "degraded") and the budget ledger's utilisation alerts (a "critical" alert is
"degraded"). Anything else registers a probe returning ComponentHealth. A probe that raises makes
its component "unhealthy" with the error as the issue, so one broken probe never hides the rest.
The overall status is the worst component status. This backs `cert health` and /health.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..governance.energy import EnergyGovernanceController
from ..governance.tripwire import BudgetTripwire
from ..statuses import HealthStatus
from .circuit_breaker import CircuitState
from .manager import ProductionSafetyManager

__all__ = ["ComponentHealth", "HealthChecker", "HealthReport"]


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    status: HealthStatus
    issues: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    status: HealthStatus
    issues: tuple[str, ...]
    components: dict[str, ComponentHealth]
    checked_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Probe = Callable[[], ComponentHealth]


class HealthChecker:
    def __init__(
        self,
        safety: ProductionSafetyManager | None = None,
        tripwire: BudgetTripwire | None = None,
        energy: EnergyGovernanceController | None = None,
    ) -> None:
        self._probes: dict[str, Probe] = {}
        if safety is not None:
            self.register("safety", lambda: _safety_health(safety))
        if tripwire is not None:
            self.register("budget_tripwire", lambda: _tripwire_health(tripwire))
        if energy is not None:
            self.register("budget_ledger", lambda: _budget_health(energy))

    def register(self, name: str, probe: Probe) -> None:
        self._probes[name] = probe

    def check(self) -> HealthReport:
        components: dict[str, ComponentHealth] = {}
        for name, probe in self._probes.items():
            try:
                components[name] = probe()
            except Exception as exc:  # a broken probe is itself the finding
                components[name] = ComponentHealth(name, HealthStatus.UNHEALTHY,
                                                   (f"{name}: probe failed: {type(exc).__name__}: {exc}",))
        worst = max((HealthStatus(c.status) for c in components.values()), key=lambda s: s.rank,
                    default=HealthStatus.HEALTHY)
        issues = tuple(issue for c in components.values() for issue in c.issues)
        return HealthReport(worst, issues, components, datetime.now(UTC).isoformat())


def _safety_health(safety: ProductionSafetyManager) -> ComponentHealth:
    health = safety.check_system_health()
    issues = [f"SLO {v.name}: {v.current:.3f} vs target {v.target:.3f} ({v.severity})" for v in health.slo_violations]
    issues += [f"circuit breaker {n} is {s.state.value}" for n, s in health.circuit_breaker_states.items()
               if s.state is not CircuitState.CLOSED]
    issues += [f"degradation strategy {d} applied" for d in health.degraded_services]
    details = {
        "circuit_breakers": {n: s.state.value for n, s in health.circuit_breaker_states.items()},
        "slo": {n: {"compliant": s.compliant, "current": s.current, "target": s.target, "samples": s.samples}
                for n, s in health.slo_status.items()},
    }
    return ComponentHealth("safety", health.overall_health, tuple(issues), details)


def _tripwire_health(tripwire: BudgetTripwire) -> ComponentHealth:
    status = tripwire.get_status()
    issues = []
    if status.downgrade_active:
        issues.append(f"budget tripwire downgrade active: {status.downgrade_reason}")
    if status.state_problem:
        issues.append(f"{status.state_problem}; failing closed (downgrade kept) until `cert tripwire reset`")
    details = {"downgrade_active": status.downgrade_active, "consecutive_breaches": status.consecutive_breaches,
               "breach_threshold": status.breach_threshold, "total_checks": status.total_checks,
               "state_file": status.state_file, "state_problem": status.state_problem}
    return ComponentHealth("budget_tripwire", HealthStatus.DEGRADED if issues else HealthStatus.HEALTHY,
                           tuple(issues), details)


def _budget_health(energy: EnergyGovernanceController) -> ComponentHealth:
    states = energy.check_tripwires()
    issues = tuple(s.message for s in states.values() if s.level == "critical")
    details: dict[str, Any] = {n: {"utilization": s.utilization, "level": s.level} for n, s in states.items()}
    held = energy.ledger.outstanding()
    details["reservations"] = {"count": held.count, "tokens": held.tokens, "expired": held.expired,
                               "oldest_age_s": held.oldest_age_s, "hold_ttl_s": energy.ledger.hold_ttl_s}
    return ComponentHealth("budget_ledger", HealthStatus.DEGRADED if issues else HealthStatus.HEALTHY, issues, details)
