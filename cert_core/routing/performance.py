"""PerformanceTracker: a sliding window of scores and latencies per overlay (the seed's router tracker).

Its settings are scenario_profiles.yaml `performance_tracking`; fusion/performance.py feeds it
from fusion_runs rows.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from ..config.scenario_profiles import PerformanceTracking
from ..errors import InvalidInputError

__all__ = ["OverlayPerformance", "PerformanceTracker"]


@dataclass(frozen=True)
class OverlayPerformance:
    avg_score: float
    min_score: float
    max_score: float
    avg_latency_ms: float
    total_runs: int
    below_threshold: bool


class PerformanceTracker:
    def __init__(self, settings: PerformanceTracking) -> None:
        self.settings = settings
        self._windows: dict[str, deque[tuple[float, float]]] = {}
        self._totals: dict[str, int] = {}
        self._lock = threading.Lock()

    def record_performance(self, name: str, score: float, latency: float) -> None:
        """Record one run: ``score`` in [0, 1], ``latency`` in milliseconds (>= 0)."""
        if not (isinstance(score, (int, float)) and math.isfinite(score) and 0.0 <= score <= 1.0):
            raise InvalidInputError(f"score must be a number in [0, 1], got {score!r}")
        if not (isinstance(latency, (int, float)) and math.isfinite(latency) and latency >= 0):
            raise InvalidInputError(f"latency must be a non-negative number of milliseconds, got {latency!r}")
        with self._lock:
            window = self._windows.setdefault(name, deque(maxlen=self.settings.window_size))
            window.append((float(score), float(latency)))
            self._totals[name] = self._totals.get(name, 0) + 1

    def _summary(self, name: str) -> OverlayPerformance:
        window = self._windows[name]
        scores = [s for s, _ in window]
        avg = sum(scores) / len(scores)
        return OverlayPerformance(
            avg_score=avg,
            min_score=min(scores),
            max_score=max(scores),
            avg_latency_ms=sum(lat for _, lat in window) / len(window),
            total_runs=self._totals[name],
            below_threshold=avg < self.settings.performance_threshold,
        )

    def get_performance_summary(self) -> dict[str, OverlayPerformance]:
        with self._lock:
            return {name: self._summary(name) for name in self._windows}
