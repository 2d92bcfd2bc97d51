"""LLM calls as Prefect tasks, and Prefect global concurrency limits as the request limiter.

`PrefectRequestLimiter.acquire()` covers one HTTP attempt: it holds an in-flight slot
(`concurrency`) and, inside it, takes a rate slot (`rate_limit`), both strict so a missing
limit is an error rather than silently unlimited. The in-flight slot is taken first so the
request leaves as soon as its rate slot is granted (the other order can bunch sends).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from prefect import task
from prefect.cache_policies import NONE
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import concurrency, rate_limit
from prefect.exceptions import ObjectNotFound
from prefect.tasks import exponential_backoff

from cert_core.config.llm import LLMConfig, RateLimits
from cert_core.errors import CertError, CircuitBreakerOpen, ConfigError, InvalidInputError, TimeoutExceeded
from cert_core.llm import Completion, LLMBackend
from tasks.retry import retry_only_recoverable

__all__ = [
    "LimitSpec",
    "PrefectRequestLimiter",
    "call_llm",
    "configured_call_llm",
    "ensure_concurrency_limits",
    "limit_specs",
]


@dataclass(frozen=True)
class LimitSpec:
    name: str
    limit: int
    slot_decay_per_second: float
    action: str = "planned"  # created | updated | unchanged


def limit_specs(limits: RateLimits) -> list[LimitSpec]:
    """A rate limit of capacity 1 refilled at rpm*headroom/60 per second spaces requests evenly."""
    return [
        LimitSpec(limits.rpm_limit_name, 1, limits.requests_per_minute * limits.headroom / 60.0),
        LimitSpec(limits.in_flight_limit_name, limits.max_in_flight, 0.0),
    ]


def ensure_concurrency_limits(config: LLMConfig) -> list[LimitSpec]:
    """Create the global concurrency limits from config, or update them when they differ."""
    results: list[LimitSpec] = []
    with get_client(sync_client=True) as client:
        for spec in limit_specs(config.rate_limits):
            try:
                current = client.read_global_concurrency_limit_by_name(spec.name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
                    name=spec.name, limit=spec.limit, slot_decay_per_second=spec.slot_decay_per_second, active=True))
                results.append(LimitSpec(spec.name, spec.limit, spec.slot_decay_per_second, "created"))
                continue
            same = (current.limit == spec.limit and current.active
                    and abs((current.slot_decay_per_second or 0.0) - spec.slot_decay_per_second) < 1e-9)
            if not same:
                client.update_global_concurrency_limit(spec.name, GlobalConcurrencyLimitUpdate(
                    limit=spec.limit, slot_decay_per_second=spec.slot_decay_per_second, active=True))
            results.append(LimitSpec(spec.name, spec.limit, spec.slot_decay_per_second,
                                     "unchanged" if same else "updated"))
    return results


class PrefectRequestLimiter:
    """The RequestLimiter protocol on Prefect global concurrency limits (shared by every worker)."""

    def __init__(self, limits: RateLimits, *, strict: bool = True, timeout_seconds: float | None = None) -> None:
        self.rpm_limit_name = limits.rpm_limit_name
        self.in_flight_limit_name = limits.in_flight_limit_name
        self.strict = strict
        self.timeout_seconds = timeout_seconds

    @contextmanager
    def acquire(self) -> Iterator[None]:
        with ExitStack() as held:
            try:
                held.enter_context(concurrency(self.in_flight_limit_name, occupy=1, strict=self.strict,
                                               timeout_seconds=self.timeout_seconds))
                rate_limit(self.rpm_limit_name, occupy=1, strict=self.strict, timeout_seconds=self.timeout_seconds)
            except ConcurrencySlotAcquisitionError as exc:
                raise ConfigError(
                    f"the Prefect concurrency limits {self.rpm_limit_name!r}/{self.in_flight_limit_name!r} are "
                    "missing or unusable; run `cert setup-limits` (flows create them when absent)"
                ) from exc
            except TimeoutError as exc:
                raise TimeoutExceeded(f"no LLM request slot within {self.timeout_seconds} s") from exc
            yield

    def __repr__(self) -> str:
        return f"PrefectRequestLimiter(rpm={self.rpm_limit_name!r}, in_flight={self.in_flight_limit_name!r})"


@task(
    name="call-llm",
    cache_policy=NONE,
    tags=["llm"],
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2.0),
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_only_recoverable,
)
def call_llm(
    backend: LLMBackend,
    messages: Sequence | str,
    *,
    max_tokens: int,
    temperature: float,
    system: str | None = None,
) -> Completion:
    return backend.complete(messages, max_tokens=max_tokens, temperature=temperature, system=system)


def configured_call_llm(config: LLMConfig):
    """`call_llm` with the retries and backoff from configs/fusion/llm.yaml (anthropic.task_retries...)."""
    return call_llm.with_options(
        retries=config.anthropic.task_retries,
        retry_delay_seconds=exponential_backoff(backoff_factor=config.anthropic.task_retry_backoff_s),
    )
