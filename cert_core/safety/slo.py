"""SLOMonitor: service level objectives of slo.yaml over time-based sliding windows.

Each objective looks at the requests of its last `measurement_window_minutes` (optionally only
those of one `operation`) and measures what its `metric` says: success_rate (availability) and
error_rate against `target`, latency_p95 / latency_p99 (numpy percentiles, linear interpolation)
against `target_ms`. An empty window is compliant with `current=None`: no traffic is no violation.
Severity: "ok", "violated" (target missed), "alert" / "critical" (the alert / critical threshold is
missed too). Objectives it cannot measure from request outcomes (quality, memory, throughput) are
left out of `check_slo_compliance`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..config.slo import SLOConfig, SLOMetric, SLOObjective
from ..errors import InvalidInputError

Severity = Literal["ok", "violated", "alert", "critical"]
_PERCENTILE = {"latency_p95": 95.0, "latency_p99": 99.0}


@dataclass(frozen=True)
class SLOStatus:
    name: str
    metric: SLOMetric
    compliant: bool
    current: float | None  # None when the window holds no requests
    target: float
    severity: Severity
    samples: int
    window_minutes: float
    operation: str | None


@dataclass(frozen=True)
class _Outcome:
    at: float
    success: bool
    latency_ms: float
    operation: str | None


class SLOMonitor:
    def __init__(
        self,
        config: SLOConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_samples: int = 100_000,
    ) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._outcomes: deque[_Outcome] = deque(maxlen=max_samples)
        self._objectives: dict[str, tuple[SLOObjective, SLOMetric]] = {}
        for name, objective in config.service_level_objectives.items():
            metric = objective.resolved_metric(name)
            if metric is None:
                continue
            if (metric in _PERCENTILE and objective.target_ms is None) or (metric not in _PERCENTILE and objective.target is None):
                continue  # nothing to compare against
            self._objectives[name] = (objective, metric)
        self._horizon_s = max((o.measurement_window_minutes for o, _ in self._objectives.values()), default=60) * 60

    @property
    def measured_objectives(self) -> list[str]:
        return sorted(self._objectives)

    def record_request_outcome(
        self, success: bool, latency_ms: float, now: float | None = None, operation: str | None = None
    ) -> None:
        if not isinstance(latency_ms, (int, float)) or isinstance(latency_ms, bool) or not math.isfinite(latency_ms) or latency_ms < 0:
            raise InvalidInputError(f"latency_ms must be a finite number >= 0, got {latency_ms!r}")
        at = self._clock() if now is None else now
        with self._lock:
            self._outcomes.append(_Outcome(at, bool(success), float(latency_ms), operation))
            self._prune(at)

    def check_slo_compliance(self, now: float | None = None) -> dict[str, SLOStatus]:
        at = self._clock() if now is None else now
        with self._lock:
            self._prune(at)
            outcomes = list(self._outcomes)
        return {name: self._status(name, obj, metric, outcomes, at) for name, (obj, metric) in sorted(self._objectives.items())}

    def _status(self, name: str, obj: SLOObjective, metric: SLOMetric, outcomes: list[_Outcome], at: float) -> SLOStatus:
        since = at - obj.measurement_window_minutes * 60
        window = [o for o in outcomes if o.at >= since and (obj.operation is None or o.operation == obj.operation)]
        if metric in _PERCENTILE:
            target, alert, critical = obj.target_ms, obj.alert_threshold_ms, obj.critical_threshold_ms
            current = float(np.percentile([o.latency_ms for o in window], _PERCENTILE[metric])) if window else None
            worse = lambda value, limit: value > limit  # noqa: E731 (latency: higher is worse)
        elif metric == "error_rate":
            target, alert, critical = obj.target, obj.alert_threshold, obj.critical_threshold
            current = sum(not o.success for o in window) / len(window) if window else None
            worse = lambda value, limit: value > limit  # noqa: E731
        else:  # success_rate: lower is worse
            target, alert, critical = obj.target, obj.alert_threshold, obj.critical_threshold
            current = sum(o.success for o in window) / len(window) if window else None
            worse = lambda value, limit: value < limit  # noqa: E731
        severity: Severity = "ok"
        if current is not None and worse(current, target):
            severity = "violated"
            if alert is not None and worse(current, alert):
                severity = "alert"
            if critical is not None and worse(current, critical):
                severity = "critical"
        return SLOStatus(name, metric, severity == "ok", current, float(target), severity, len(window),
                         obj.measurement_window_minutes, obj.operation)

    def _prune(self, at: float) -> None:
        while self._outcomes and self._outcomes[0].at < at - self._horizon_s:
            self._outcomes.popleft()
