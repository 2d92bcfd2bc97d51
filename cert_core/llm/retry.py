"""The one retry loop for LLM calls. Every attempt, first or retry, takes a limiter slot first.

The SDK's own retries are off (max_retries=0), so the requests the server sees are exactly
the attempts made here. Prefect task retries (tasks/llm.py) only see what this loop gave up on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..config.llm import AnthropicSettings
from ..errors import ConnectionDropped, InvalidInputError, LLMTimeout, Overloaded, RateLimited, ServerError
from ..observability import METRICS, get_logger
from .limiter import RequestLimiter

__all__ = ["RETRYABLE", "AttemptResult", "RetryPolicy", "call_with_retries"]

T = TypeVar("T")
log = get_logger("cert.llm.retry")

# MalformedResponse, CircuitBreakerOpen, InvalidInputError and 4xx other than 429 are final.
RETRYABLE: tuple[type[Exception], ...] = (RateLimited, Overloaded, ServerError, LLMTimeout, ConnectionDropped)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0
    max_retry_after_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidInputError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.backoff_base_s < 0 or self.backoff_max_s < 0 or self.max_retry_after_s < 0:
            raise InvalidInputError("backoff_base_s, backoff_max_s and max_retry_after_s must be >= 0")

    @classmethod
    def from_settings(cls, settings: AnthropicSettings) -> RetryPolicy:
        return cls(settings.max_attempts, settings.backoff_base_s, settings.backoff_max_s, settings.max_retry_after_s)

    def delay_for(self, error: Exception, retry_number: int, rng: random.Random) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based).

        A server-sent retry-after is honoured as given (capped by max_retry_after_s); otherwise
        exponential backoff with "equal jitter": half the step fixed, half random.
        """
        retry_after = getattr(error, "retry_after", None)
        if isinstance(error, (RateLimited, Overloaded)) and retry_after is not None and retry_after >= 0:
            return min(float(retry_after), self.max_retry_after_s)
        step = min(self.backoff_max_s, self.backoff_base_s * (2 ** (retry_number - 1)))
        return step / 2 + rng.uniform(0, step / 2)


@dataclass(frozen=True)
class AttemptResult:
    value: object
    attempts: int
    delays: tuple[float, ...] = field(default_factory=tuple)


def call_with_retries(
    attempt: Callable[[], T],
    *,
    limiter: RequestLimiter,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> AttemptResult:
    """Run ``attempt`` inside ``limiter.acquire()`` until it succeeds or a final error.

    Returns an AttemptResult (value, attempts, delays slept). Raises the last typed error,
    with ``context["attempts"]`` set, when it is not retryable or attempts run out.
    """
    rng = rng or random.Random()
    delays: list[float] = []
    for number in range(1, policy.max_attempts + 1):
        try:
            with limiter.acquire():
                value = attempt()
            return AttemptResult(value, number, tuple(delays))
        except RETRYABLE as error:
            error.context["attempts"] = number
            if number >= policy.max_attempts:
                log.warning("llm call gave up", extra={"error_type": error.error_type, "attempts": number})
                raise
            delay = policy.delay_for(error, number, rng)
            METRICS.llm_retries.labels(reason=error.error_type).inc()
            log.info("llm attempt failed; retrying",
                     extra={"error_type": error.error_type, "attempt": number, "delay_s": round(delay, 3)})
            delays.append(delay)
            if delay > 0:
                sleep(delay)
        except Exception as error:  # final: record how many attempts it took, then propagate
            if hasattr(error, "context"):
                error.context["attempts"] = number
            raise
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
