from __future__ import annotations

import pytest

from cert_core.errors import InvalidInputError
from cert_core.routing import PerformanceTracker


def test_summary_uses_a_sliding_window_but_counts_every_run():
    t = PerformanceTracker(performance_threshold=0.7, window_size=3)
    for score, latency in [(0.2, 100), (0.9, 200), (0.6, 300), (0.9, 400)]:
        t.record_performance("a", score, latency)
    s = t.get_performance_summary()["a"]
    assert s.avg_score == pytest.approx((0.9 + 0.6 + 0.9) / 3)
    assert (s.min_score, s.max_score) == (0.6, 0.9)
    assert s.avg_latency_ms == pytest.approx(300.0)
    assert s.total_runs == 4
    assert s.below_threshold is False


def test_compare_names_the_better_overlay_and_the_difference():
    t = PerformanceTracker()
    t.record_performance("a", 0.8, 10)
    t.record_performance("b", 0.5, 10)
    c = t.compare_performance("a", "b")
    assert c.better_performer == "a" and c.performance_difference == pytest.approx(0.3)
    assert t.compare_performance("b", "a").performance_difference == pytest.approx(-0.3)


def test_tie_has_no_better_performer():
    t = PerformanceTracker()
    t.record_performance("a", 0.5, 1)
    t.record_performance("b", 0.5, 1)
    assert t.compare_performance("a", "b").better_performer is None


def test_empty_tracker_has_an_empty_summary_and_compare_says_what_is_missing():
    t = PerformanceTracker()
    assert t.get_performance_summary() == {}
    with pytest.raises(InvalidInputError, match="no recorded runs for 'a', 'b'"):
        t.compare_performance("a", "b")


@pytest.mark.parametrize("score,latency", [(1.2, 1), (-0.1, 1), (float("nan"), 1), (0.5, -1), (0.5, float("inf"))])
def test_bad_measurements_are_rejected(score, latency):
    with pytest.raises(InvalidInputError):
        PerformanceTracker().record_performance("a", score, latency)
