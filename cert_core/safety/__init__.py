"""Production safety: circuit breakers, SLO monitoring, degradation strategies and health."""

from .breakers import BreakerRegistry
from .circuit_breaker import BreakerState, CircuitBreaker, CircuitState
from .health import ComponentHealth, HealthChecker, HealthReport
from .manager import DegradationResult, ProductionSafetyManager, SystemHealth
from .slo import SLOMonitor, SLOStatus

__all__ = [
    "BreakerRegistry",
    "BreakerState",
    "CircuitBreaker",
    "CircuitState",
    "ComponentHealth",
    "DegradationResult",
    "HealthChecker",
    "HealthReport",
    "ProductionSafetyManager",
    "SLOMonitor",
    "SLOStatus",
    "SystemHealth",
]
