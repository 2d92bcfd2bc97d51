"""CircuitBreaker: closed -> open -> half-open -> closed, thread-safe, with an injectable clock.

- closed: calls pass; `failure_threshold` failures in a row open the breaker.
- open: calls fail fast with CircuitBreakerOpen (retry_after = seconds until half-open) and the
  protected function is not called. After `recovery_timeout_seconds` the breaker half-opens.
- half-open: at most `half_open_max_calls` trial calls are let through; `success_threshold`
  successes close it, any failure opens it again for a new timeout.
Which exceptions count as failures is configurable; by default every exception except bad input
(InvalidInputError, which includes BudgetExceeded): a caller's mistake says nothing about the service.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from ..config.circuit_breakers import BreakerConfig
from ..errors import CircuitBreakerOpen, InvalidInputError
from ..observability import METRICS, get_logger

log = get_logger(__name__)
T = TypeVar("T")


class CircuitState(str, Enum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


_GAUGE = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


@dataclass(frozen=True)
class BreakerState:
    name: str
    state: CircuitState
    failure_count: int  # consecutive failures while closed
    success_count: int  # successes in the current half-open trial
    half_open_calls: int
    last_failure_time: float | None  # on the breaker's clock
    retry_after: float | None  # seconds until half-open, when open
    total_calls: int
    total_failures: int
    total_rejections: int
    times_opened: int


def default_is_failure(exc: BaseException) -> bool:
    return not isinstance(exc, InvalidInputError)


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        config: BreakerConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        is_failure: Callable[[BaseException], bool] = default_is_failure,
    ) -> None:
        self.name = name
        self.config = config or BreakerConfig()
        self._clock = clock
        self._is_failure = is_failure
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._successes = 0
        self._half_open_calls = 0
        self._opened_at: float | None = None
        self._last_failure: float | None = None
        self._totals = {"calls": 0, "failures": 0, "rejections": 0, "opened": 0}
        METRICS.circuit_state.labels(name=name).set(0)

    @property
    def state(self) -> CircuitState:
        with self._lock:
            self._maybe_half_open()
            return self._state

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self.config.enabled:
            return fn(*args, **kwargs)
        self._admit()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            if isinstance(exc, Exception) and self._is_failure(exc):
                self._on_failure()
            else:
                self._on_neutral()
            raise
        self._on_success()
        return result

    def get_state(self) -> BreakerState:
        with self._lock:
            self._maybe_half_open()
            return BreakerState(
                self.name, self._state, self._failures, self._successes, self._half_open_calls, self._last_failure,
                self._retry_after(), self._totals["calls"], self._totals["failures"], self._totals["rejections"],
                self._totals["opened"],
            )

    # -- transitions (all under self._lock) ----------------------------------------------------

    def _admit(self) -> None:
        with self._lock:
            self._maybe_half_open()
            if self._state is CircuitState.OPEN:
                self._totals["rejections"] += 1
                raise self._open_error(self._retry_after())
            if self._state is CircuitState.HALF_OPEN:
                if self._half_open_calls >= self.config.half_open_max_calls:
                    self._totals["rejections"] += 1
                    raise self._open_error(None, "half-open and its trial calls are taken")
                self._half_open_calls += 1
            self._totals["calls"] += 1

    def _on_success(self) -> None:
        with self._lock:
            if self._state is CircuitState.HALF_OPEN:
                self._successes += 1
                if self._successes >= self.config.success_threshold:
                    self._to(CircuitState.CLOSED)
            else:
                self._failures = 0

    def _on_neutral(self) -> None:
        # Bad input: the service was not at fault. Free the trial slot so the breaker can still decide.
        with self._lock:
            if self._state is CircuitState.HALF_OPEN:
                self._half_open_calls = max(0, self._half_open_calls - 1)

    def _on_failure(self) -> None:
        with self._lock:
            self._totals["failures"] += 1
            self._last_failure = self._clock()
            if self._state is CircuitState.HALF_OPEN:
                self._to(CircuitState.OPEN)
            elif self._state is CircuitState.CLOSED:
                self._failures += 1
                if self._failures >= self.config.failure_threshold:
                    self._to(CircuitState.OPEN)

    def _maybe_half_open(self) -> None:
        if self._state is CircuitState.OPEN and self._retry_after() == 0.0:
            self._to(CircuitState.HALF_OPEN)

    def _retry_after(self) -> float | None:
        if self._state is not CircuitState.OPEN or self._opened_at is None:
            return None
        return max(0.0, self.config.recovery_timeout_seconds - (self._clock() - self._opened_at))

    def _to(self, new: CircuitState) -> None:
        old, self._state = self._state, new
        self._failures = self._successes = self._half_open_calls = 0
        if new is CircuitState.OPEN:
            self._opened_at = self._clock()
            self._totals["opened"] += 1
        METRICS.circuit_state.labels(name=self.name).set(_GAUGE[new])
        if old is not new:
            log.warning("circuit breaker state change", extra={"breaker": self.name, "from": old.value, "to": new.value})

    def _open_error(self, retry_after: float | None, why: str = "open") -> CircuitBreakerOpen:
        wait = f"; retry in {retry_after:.1f} s" if retry_after else "; retry shortly"
        return CircuitBreakerOpen(
            f"circuit breaker {self.name!r} is {why} after repeated failures{wait}",
            retry_after=retry_after, context={"breaker": self.name},
        )
