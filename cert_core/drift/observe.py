"""The Prometheus view of a drift scan (metric names in cert_core/observability/metrics.py)."""

from __future__ import annotations

from ..observability import METRICS
from .types import DriftEvent

__all__ = ["record_drift_metrics"]


def record_drift_metrics(event: DriftEvent, duration_s: float) -> None:
    METRICS.drift_scan_duration.observe(duration_s)
    METRICS.drift_last_severity.set(event.severity.rank if event.severity else 0)
    if event.severity is not None:
        kinds = [("file", len(event.file_changes)), ("config", len(event.param_changes)),
                 ("quality", sum(q.drifted for q in event.quality_checks))]
        for kind, count in kinds:
            if count:
                METRICS.drift_events.labels(kind, event.severity.value).inc(count)
    for check in event.quality_checks:
        METRICS.quality_drift_drifted.labels(check.metric).set(1 if check.drifted else 0)
