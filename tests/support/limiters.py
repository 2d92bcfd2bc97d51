"""A RequestLimiter wrapper that counts acquisitions, to compare with the server's request log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cert_core.llm import RequestLimiter


class CountingLimiter:
    def __init__(self, inner: RequestLimiter) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self.acquisitions = 0

    @contextmanager
    def acquire(self) -> Iterator[None]:
        with self.inner.acquire():
            with self._lock:
                self.acquisitions += 1
            yield
