"""Client-side request limits for direct use of cert_core (the flows use Prefect's global limits).

`acquire()` covers exactly one HTTP attempt: it waits for an in-flight slot, then for the next
rate slot, and holds the in-flight slot until the attempt ends. The in-flight slot is taken
first so that a request is sent as soon as its rate slot comes due (taking the rate slot first
and then queueing for in-flight could bunch sends together and break the per-minute limit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, runtime_checkable

from ..errors import InvalidInputError

__all__ = ["RequestLimiter", "TokenBucketLimiter"]


@runtime_checkable
class RequestLimiter(Protocol):
    def acquire(self) -> AbstractContextManager[None]:
        """Block until one request may be sent; the context covers that one attempt."""
        ...


class TokenBucketLimiter:
    """A token bucket of capacity 1 (even spacing) plus a cap on concurrent attempts.

    Slots are granted at least ``period_s / (requests_per_minute * headroom)`` apart, so any
    half-open window of ``period_s`` holds at most ``requests_per_minute`` grants; ``headroom``
    below 1 leaves room for network jitter between our send and the server's clock.
    ``period_s`` is 60 in production; tests shrink it to check the window quickly.
    """

    def __init__(
        self,
        requests_per_minute: float,
        max_in_flight: int,
        *,
        headroom: float = 1.0,
        period_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not requests_per_minute > 0:
            raise InvalidInputError(f"requests_per_minute must be > 0, got {requests_per_minute!r}")
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
            raise InvalidInputError(f"max_in_flight must be an integer >= 1, got {max_in_flight!r}")
        if not 0 < headroom <= 1:
            raise InvalidInputError(f"headroom must be in (0, 1], got {headroom!r}")
        if not period_s > 0:
            raise InvalidInputError(f"period_s must be > 0, got {period_s!r}")
        self.requests_per_minute = float(requests_per_minute)
        self.max_in_flight = max_in_flight
        self.interval_s = period_s / (requests_per_minute * headroom)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: float | None = None
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self.acquisitions = 0

    def _reserve_rate_slot(self) -> float:
        with self._lock:
            now = self._clock()
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + self.interval_s
            self.acquisitions += 1
            return slot - now

    @contextmanager
    def acquire(self) -> Iterator[None]:
        self._in_flight.acquire()
        try:
            wait = self._reserve_rate_slot()
            if wait > 0:
                self._sleep(wait)
            yield
        finally:
            self._in_flight.release()

    def __repr__(self) -> str:
        return (f"TokenBucketLimiter(requests_per_minute={self.requests_per_minute:g}, "
                f"max_in_flight={self.max_in_flight}, interval_s={self.interval_s:.4f})")
