"""Every status the project writes or reports, defined once.

StrEnum members are strings, so they go into Parquet, JSON, Prometheus labels and artifacts
as their values ("ok", "degraded", ...); dataset validation reads its value sets from here.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ChainStatus", "CoordinationStatus", "FusionStatus", "HealthStatus"]


class FusionStatus(StrEnum):
    """A fusion_runs row: the call answered, failed, was denied a budget, or met an open breaker."""

    OK = "ok"
    ERROR = "error"
    DENIED = "denied"
    CIRCUIT_OPEN = "circuit_open"


class ChainStatus(StrEnum):
    """A trajectory_chains row: scored, or an error row with a typed reason."""

    OK = "ok"
    ERROR = "error"


class CoordinationStatus(StrEnum):
    """A coordination_runs row: measured, an error row with a typed reason, or stopped by a cost cap
    (hourly or daily cost; the work done before it is kept)."""

    OK = "ok"
    ERROR = "error"
    COST_LIMITED = "cost_limited"


class HealthStatus(StrEnum):
    """`cert health` and /health, worst first by rank."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"

    @property
    def rank(self) -> int:
        return list(HealthStatus).index(self)
