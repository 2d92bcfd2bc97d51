"""A small thread-safe LRU of chain scores, keyed on chain content, model and scoring settings."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from ..observability import METRICS

__all__ = ["ScoreCache", "score_cache_key"]

V = TypeVar("V")
CACHE_TYPE = "trajectory"


def score_cache_key(model_signature: str, content_hash: str) -> str:
    """model_signature names the model and every setting that changes the numbers."""
    return hashlib.sha256(f"{model_signature}\x00{content_hash}".encode()).hexdigest()


class ScoreCache(Generic[V]):
    """LRU with hit/miss counts in METRICS (cache_type="trajectory"). maxsize 0 disables it."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> V | None:
        if self.maxsize <= 0:
            return None
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
            else:
                self._items.move_to_end(key)
                self.hits += 1
        if value is None:
            METRICS.cache_misses.labels(cache_type=CACHE_TYPE).inc()
        else:
            METRICS.cache_hits.labels(cache_type=CACHE_TYPE).inc()
        return value

    def put(self, key: str, value: V) -> None:
        if self.maxsize <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
