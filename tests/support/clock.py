"""The one fake clock of the test suite: time moves only when a test says so.

    clock = FakeClock()
    breaker = CircuitBreaker("b", cfg, clock=clock)          # monotonic seconds
    tripwire = BudgetTripwire(cfg, path, clock=clock.utc)    # the same instant as a UTC datetime
    limiter = TokenBucketLimiter(60, 1, clock=clock, sleep=clock.sleep)
    clock.advance(seconds=300) / clock.advance(hours=2)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["FakeClock"]

EPOCH = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: float = 1000.0, *, epoch: datetime = EPOCH) -> None:
        self.start = start
        self.now = start
        self.epoch = epoch
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def utc(self) -> datetime:
        return self.epoch + timedelta(seconds=self.now - self.start)

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        self.now += seconds + timedelta(**delta).total_seconds()

    def sleep(self, seconds: float) -> None:
        """Sleeping moves the clock (limiters, retry loops); each sleep is recorded."""
        self.sleeps.append(seconds)
        self.now += seconds
