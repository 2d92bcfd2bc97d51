"""The LRU score cache: eviction order, counts, disabled at size 0."""

from __future__ import annotations

from cert_core.observability import METRICS
from cert_core.trajectory import ScoreCache
from cert_core.trajectory.cache import score_cache_key


def _count(name: str) -> float:
    return METRICS.registry.get_sample_value(name, {"cache_type": "trajectory"}) or 0.0


def test_least_recently_used_entry_is_evicted_first():
    cache: ScoreCache[int] = ScoreCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2 and (cache.hits, cache.misses) == (3, 1)


def test_hits_and_misses_are_counted_in_metrics():
    hits, misses = _count("cert_cache_hits_total"), _count("cert_cache_misses_total")
    cache: ScoreCache[int] = ScoreCache(4)
    cache.get("x")
    cache.put("x", 1)
    cache.get("x")
    cache.get("x")
    assert (_count("cert_cache_hits_total") - hits, _count("cert_cache_misses_total") - misses) == (2, 1)


def test_size_zero_disables_the_cache_and_counts_nothing():
    misses = _count("cert_cache_misses_total")
    cache: ScoreCache[int] = ScoreCache(0)
    cache.put("x", 1)
    assert cache.get("x") is None and len(cache) == 0
    assert _count("cert_cache_misses_total") == misses


def test_key_changes_with_model_settings_and_content():
    base = score_cache_key("m|cpu|ctx=256", "abc")
    assert base == score_cache_key("m|cpu|ctx=256", "abc")
    assert base != score_cache_key("m|cpu|ctx=128", "abc")
    assert base != score_cache_key("other|cpu|ctx=256", "abc")
    assert base != score_cache_key("m|cpu|ctx=256", "abd")
