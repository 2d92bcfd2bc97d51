"""The one retry loop for LLM calls. Every attempt, first or retry, takes a limiter slot first.

The SDK's own retries are off (max_retries=0), so the requests the server sees are exactly
the attempts made here. Prefect task retries (tasks/llm.py) only see what this loop gave up on.
The policy is the `anthropic:` section of llm.yaml itself (max_attempts, backoff_base_s,
backoff_max_s, max_retry_after_s).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..config.llm import AnthropicSettings
from ..errors import ConnectionDropped, LLMError, LLMTimeout, MalformedResponse, Overloaded, RateLimited, ServerError
from ..observability import METRICS, get_logger
from .limiter import RequestLimiter

__all__ = ["RETRYABLE", "AttemptResult", "call_with_retries", "is_retryable", "retry_delay"]

T = TypeVar("T")
log = get_logger("cert.llm.retry")

# CircuitBreakerOpen, InvalidInputError, 4xx other than 429 and a well-formed body of the wrong shape
# are final: repeating the request would get the same answer.
RETRYABLE: tuple[type[Exception], ...] = (RateLimited, Overloaded, ServerError, LLMTimeout, ConnectionDropped)


def is_retryable(error: BaseException) -> bool:
    """Transient failures, plus a body cut off or garbled in transit (a MalformedResponse marked recoverable)."""
    return isinstance(error, RETRYABLE) or (isinstance(error, MalformedResponse) and bool(error.recoverable))


def retry_delay(policy: AnthropicSettings, error: Exception, retry_number: int, rng: random.Random) -> float:
    """Seconds to wait before retry ``retry_number`` (1-based).

    A server-sent retry-after is honoured as given (capped by max_retry_after_s); otherwise
    exponential backoff with "equal jitter": half the step fixed, half random.
    """
    retry_after = getattr(error, "retry_after", None)
    if isinstance(error, (RateLimited, Overloaded)) and retry_after is not None and retry_after >= 0:
        return min(float(retry_after), policy.max_retry_after_s)
    step = min(policy.backoff_max_s, policy.backoff_base_s * (2 ** (retry_number - 1)))
    return step / 2 + rng.uniform(0, step / 2)


@dataclass(frozen=True)
class AttemptResult(Generic[T]):
    value: T
    attempts: int
    delays: tuple[float, ...] = field(default_factory=tuple)


def call_with_retries(
    attempt: Callable[[], T],
    *,
    limiter: RequestLimiter,
    policy: AnthropicSettings,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> AttemptResult[T]:
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
        except LLMError as error:
            error.context["attempts"] = number
            if not is_retryable(error):
                raise
            if number >= policy.max_attempts:
                log.warning("llm call gave up", extra={"error_type": error.error_type, "attempts": number})
                raise
            delay = retry_delay(policy, error, number, rng)
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
