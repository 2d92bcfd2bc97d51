"""The per-overlay comparison of fusion runs: PerformanceTracker fed from fusion_runs rows.

A row's score is what the overlay delivered for what it cost:
- ok: token efficiency against the call's baseline estimate, 100 / (100 + token_delta_pct),
  capped at 1 (a call at or under its baseline scores 1.0; 50 % over scores 0.667);
- error or circuit_open: 0 (the call gave nothing);
- denied: not counted (the budget refused it before any call, which says nothing of the overlay).
Rows that ran without an overlay (tripwire downgrade, SLO degradation) count as "(baseline)",
so the overlays are compared with the plain prompt too. Rows are fed in run_at order, so the
tracker's window holds each overlay's latest runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from ..config.scenario_profiles import PerformanceTracking
from ..routing.performance import PerformanceTracker
from ..statuses import FusionStatus

__all__ = ["BASELINE", "overlay_comparison", "row_score"]

BASELINE = "(baseline)"
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def row_score(row: Mapping[str, Any]) -> float | None:
    status = row.get("status")
    if status == FusionStatus.OK:
        delta = row.get("token_delta_pct")
        return 1.0 if delta is None else min(1.0, 100.0 / (100.0 + max(delta, -99.0)))
    if status in (FusionStatus.ERROR, FusionStatus.CIRCUIT_OPEN):
        return 0.0
    return None


def overlay_comparison(rows: Iterable[Mapping[str, Any]], settings: PerformanceTracking) -> list[dict[str, Any]]:
    """One table row per overlay (and the baseline), best average score first."""
    tracker = PerformanceTracker(settings)
    for row in sorted(rows, key=lambda r: r.get("run_at") or _EPOCH):
        score = row_score(row)
        if score is not None:
            tracker.record_performance(row.get("overlay") or BASELINE, score, float(row.get("latency_ms") or 0.0))
    summary = tracker.get_performance_summary()
    ranked = sorted(summary.items(), key=lambda item: (-item[1].avg_score, item[0]))
    return [
        {"overlay": name, "runs": p.total_runs, "avg_score": round(p.avg_score, 4), "min_score": round(p.min_score, 4),
         "max_score": round(p.max_score, 4), "avg_latency_ms": round(p.avg_latency_ms, 1),
         "below_threshold": p.below_threshold}
        for name, p in ranked
    ]
