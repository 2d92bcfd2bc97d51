"""PerformanceTracker, and the per-overlay comparison it gives from fusion_runs rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cert_core.config.scenario_profiles import PerformanceTracking
from cert_core.errors import InvalidInputError
from cert_core.fusion import overlay_comparison
from cert_core.fusion.performance import BASELINE, row_score
from cert_core.routing import PerformanceTracker


def test_summary_uses_a_sliding_window_but_counts_every_run():
    t = PerformanceTracker(PerformanceTracking(performance_threshold=0.7, window_size=3))
    for score, latency in [(0.2, 100), (0.9, 200), (0.6, 300), (0.9, 400)]:
        t.record_performance("a", score, latency)
    s = t.get_performance_summary()["a"]
    assert s.avg_score == pytest.approx((0.9 + 0.6 + 0.9) / 3)
    assert (s.min_score, s.max_score) == (0.6, 0.9)
    assert s.avg_latency_ms == pytest.approx(300.0)
    assert s.total_runs == 4
    assert s.below_threshold is False


def test_empty_tracker_has_an_empty_summary():
    assert PerformanceTracker(PerformanceTracking()).get_performance_summary() == {}


@pytest.mark.parametrize("score,latency", [(1.2, 1), (-0.1, 1), (float("nan"), 1), (0.5, -1), (0.5, float("inf"))])
def test_bad_measurements_are_rejected(score, latency):
    with pytest.raises(InvalidInputError):
        PerformanceTracker(PerformanceTracking()).record_performance("a", score, latency)


def _row(overlay, status, delta=None, latency=100.0, minute=0):
    return {"overlay": overlay, "status": status, "token_delta_pct": delta, "latency_ms": latency,
            "run_at": datetime(2026, 11, 23, tzinfo=UTC) + timedelta(minutes=minute)}


def test_row_scores_are_token_efficiency_zero_for_a_failed_call_and_none_for_a_denial():
    assert row_score(_row("a", "ok", delta=-20.0)) == 1.0  # under its baseline
    assert row_score(_row("a", "ok", delta=50.0)) == pytest.approx(100 / 150)
    assert row_score(_row("a", "error")) == row_score(_row("a", "circuit_open")) == 0.0
    assert row_score(_row("a", "denied")) is None


def test_comparison_ranks_overlays_and_the_baseline_by_average_score():
    rows = [
        _row("rollback_first", "ok", delta=0.0, latency=100, minute=1),
        _row("rollback_first", "ok", delta=100.0, latency=300, minute=2),  # 0.5
        _row("state_model_first", "ok", delta=-5.0, latency=50, minute=3),
        _row("state_model_first", "error", latency=10, minute=4),
        _row("state_model_first", "denied", minute=5),  # not a run of the overlay
        _row(None, "ok", delta=25.0, latency=80, minute=6),  # 0.8, no overlay: the baseline
    ]
    table = overlay_comparison(rows, PerformanceTracking(performance_threshold=0.7))
    assert [r["overlay"] for r in table] == [BASELINE, "rollback_first", "state_model_first"]
    by_name = {r["overlay"]: r for r in table}
    assert by_name["rollback_first"] == {"overlay": "rollback_first", "runs": 2, "avg_score": 0.75,
                                         "min_score": 0.5, "max_score": 1.0, "avg_latency_ms": 200.0,
                                         "below_threshold": False}
    assert by_name["state_model_first"]["runs"] == 2 and by_name["state_model_first"]["below_threshold"] is True
    assert by_name[BASELINE]["avg_score"] == 0.8


def test_the_window_holds_the_latest_runs_by_time_not_by_row_order():
    rows = [_row("a", "ok", delta=0.0, minute=2), _row("a", "error", minute=1)]  # the error came first
    table = overlay_comparison(rows, PerformanceTracking(window_size=1))
    assert table[0]["avg_score"] == 1.0 and table[0]["runs"] == 2
