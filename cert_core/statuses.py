"""Every status the project writes or reports, defined once.

StrEnum members are strings, so they go into Parquet, JSON, Prometheus labels and artifacts
as their values ("ok", "degraded", ...); dataset validation reads its value sets from here.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ChainStatus", "ChangeType", "CoordinationStatus", "DriftSeverity", "FusionStatus", "HealthStatus",
           "QualityCheckStatus"]


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


class DriftSeverity(StrEnum):
    """A drift event's level, least first (`rank` orders them; the gauge exports rank, 0 = none)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(DriftSeverity).index(self) + 1


class ChangeType(StrEnum):
    """What happened to a watched file, or why it could not be looked at."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    UNREADABLE = "unreadable"
    SYMLINK_OUTSIDE_ROOT = "symlink_outside_root"
    STATE_CORRUPT = "state_corrupt"


class QualityCheckStatus(StrEnum):
    """One quality-drift metric: tested, or too few rows in a window to test."""

    TESTED = "tested"
    INSUFFICIENT_DATA = "insufficient_data"
