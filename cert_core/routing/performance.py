"""PerformanceTracker: a sliding window of scores and latencies per overlay."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from ..errors import InvalidInputError


@dataclass(frozen=True)
class OverlayPerformance:
    avg_score: float
    min_score: float
    max_score: float
    avg_latency_ms: float
    total_runs: int
    below_threshold: bool


@dataclass(frozen=True)
class PerformanceComparison:
    better_performer: str | None  # None on a tie
    performance_difference: float  # avg score of a minus avg score of b
    overlay_a: OverlayPerformance
    overlay_b: OverlayPerformance


class PerformanceTracker:
    def __init__(self, performance_threshold: float = 0.7, window_size: int = 50) -> None:
        if window_size < 1:
            raise InvalidInputError(f"window_size must be >= 1, got {window_size}")
        self.performance_threshold = performance_threshold
        self.window_size = window_size
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
            self._windows.setdefault(name, deque(maxlen=self.window_size)).append((float(score), float(latency)))
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
            below_threshold=avg < self.performance_threshold,
        )

    def get_performance_summary(self) -> dict[str, OverlayPerformance]:
        with self._lock:
            return {name: self._summary(name) for name in self._windows}

    def compare_performance(self, a: str, b: str) -> PerformanceComparison:
        with self._lock:
            missing = [n for n in (a, b) if n not in self._windows]
            if missing:
                raise InvalidInputError(
                    f"no recorded runs for {', '.join(map(repr, missing))}; known: {sorted(self._windows)}"
                )
            pa, pb = self._summary(a), self._summary(b)
        diff = pa.avg_score - pb.avg_score
        better = None if diff == 0 else (a if diff > 0 else b)
        return PerformanceComparison(better, diff, pa, pb)
