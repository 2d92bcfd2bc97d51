"""LLM calls as Prefect tasks, and Prefect global concurrency limits as the request limiter.

`PrefectRequestLimiter.acquire()` covers one HTTP attempt: it holds a leased in-flight slot
and, inside it, takes a rate slot (`rate_limit`), both strict so a missing limit is an error
rather than silently unlimited. The in-flight slot is taken first so the request leaves as soon
as its rate slot is granted (the other order can bunch sends). The slot is taken through
Prefect's lease functions (`prefect.concurrency._sync`) rather than `concurrency()`, because
the lease id is what lets a later run free the slots of a process that died.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import httpx
from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency._asyncio import AcquireConcurrencySlotTimeoutError
from prefect.concurrency._sync import acquire_concurrency_slots_with_lease, release_concurrency_slots_with_lease
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import MissingContextError, ObjectNotFound
from prefect.tasks import exponential_backoff

from cert_core.config.llm import LLMConfig, RateLimits
from cert_core.errors import (
    CertError,
    CircuitBreakerOpen,
    ConfigError,
    InvalidInputError,
    ResourceError,
    TimeoutExceeded,
)
from cert_core.governance.slot_holders import SlotHold, SlotHolderRegistry
from cert_core.llm import Completion, LLMBackend
from cert_core.observability import get_logger
from cert_core.stop import check_stop
from tasks.retry import retry_only_recoverable

__all__ = [
    "ExpectedSlotTimeoutFilter",
    "LimitSpec",
    "PrefectRequestLimiter",
    "api_label",
    "call_llm",
    "configured_call_llm",
    "ensure_concurrency_limits",
    "limit_occupancy",
    "limit_specs",
    "reclaim_stale_slots",
    "reset_concurrency_limits",
    "slot_holders",
    "slot_lease_s",
]

log = get_logger(__name__)


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
    reclaim_stale_slots()  # a run that died holding slots gives them back before this one starts
    return results


MIN_LEASE_S = 60.0  # the Prefect API refuses shorter leases


def slot_lease_s(config: LLMConfig) -> float:
    """How long an in-flight slot is leased: one HTTP attempt's timeout plus the margin (at least 60 s)."""
    return max(MIN_LEASE_S, config.anthropic.timeout_s + config.rate_limits.slot_lease_margin_s)


def slot_holders() -> SlotHolderRegistry:
    """The leases this machine's processes hold, under PREFECT_HOME (shared by every run on it)."""
    from prefect.settings import get_current_settings

    return SlotHolderRegistry(Path(get_current_settings().home) / "cert-slot-holders")


def api_label() -> str:
    """Where leases live: the configured API, or this PREFECT_HOME's ephemeral API."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or "ephemeral"


def reclaim_stale_slots(registry: SlotHolderRegistry | None = None) -> list[SlotHold]:
    """Release the leases of processes that died (or whose lease expired) while holding slots.

    Releasing a lease the server already revoked is a no-op on the API, so this is safe to repeat.
    """
    registry = registry or slot_holders()
    stale = registry.stale(api_label())
    if not stale:
        return []
    with get_client(sync_client=True) as client:
        for hold in stale:
            client.release_concurrency_slots_with_lease(UUID(hold.lease_id))
            registry.forget(hold.lease_id)
    log.warning("freed concurrency slots of runs that ended without releasing them",
                extra={"leases": len(stale), "slots": sum(h.slots for h in stale),
                       "limits": sorted({n for h in stale for n in h.names})})
    return stale


def reset_concurrency_limits(config: LLMConfig) -> dict[str, int]:
    """`cert setup-limits --reset`: release every recorded lease and set the limits' active slots to 0.

    Returns the active slots each limit had before the reset.
    """
    registry = slot_holders()
    before: dict[str, int] = {}
    with get_client(sync_client=True) as client:
        for spec in limit_specs(config.rate_limits):
            try:
                before[spec.name] = client.read_global_concurrency_limit_by_name(spec.name).active_slots
            except ObjectNotFound:
                continue
        for hold in registry.holds():
            if hold.api == api_label():
                client.release_concurrency_slots_with_lease(UUID(hold.lease_id))
                registry.forget(hold.lease_id)
        for name in before:  # slots taken without a recorded lease (older versions, other tools) too
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))
    return before


def limit_occupancy(name: str) -> tuple[int, int] | None:
    """(active slots, limit) of a global concurrency limit, None when it does not exist."""
    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            return None
    return limit.active_slots, limit.limit


class ExpectedSlotTimeoutFilter(logging.Filter):
    """Drops Prefect's ERROR line for a slot wait that ran out its timeout.

    The limiter waits in steps (a timeout per step) so it can say who holds the slots between steps;
    Prefect's acquisition service logs each step's TimeoutError as "failed to process item", which
    reads as a failure to an operator. The caller still gets the TimeoutError and handles it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if len(args) != 2 or "ConcurrencySlotAcquisition" not in str(args[0]):
            return True
        item = args[1]
        future = item[-1] if isinstance(item, tuple) and item else None
        timed_out = (isinstance(future, Future) and future.done() and not future.cancelled()
                     and isinstance(future.exception(), TimeoutError))
        return not timed_out


_SLOT_TIMEOUT_FILTER = ExpectedSlotTimeoutFilter()
logging.getLogger("prefect._internal.concurrency").addFilter(_SLOT_TIMEOUT_FILTER)


class PrefectRequestLimiter:
    """The RequestLimiter protocol on Prefect global concurrency limits (shared by every worker).

    The in-flight slot is leased for `slot_lease_s` (a call's timeout plus a margin) and recorded
    in the local holder registry while held, so a process that dies holding it gives it back: the
    next run frees it at once (`reclaim_stale_slots`), and the server's lease expiry frees it anyway.
    A wait longer than `slot_wait_notice_s` is logged as a warning that names the limit and how
    full it is (the terminal shows it, the flow run's log keeps it), and repeated every 30 s.
    """

    def __init__(self, limits: RateLimits, *, lease_s: float = MIN_LEASE_S, strict: bool = True,
                 timeout_seconds: float | None = None) -> None:
        self.rpm_limit_name = limits.rpm_limit_name
        self.in_flight_limit_name = limits.in_flight_limit_name
        self.notice_after_s = limits.slot_wait_notice_s
        self.lease_s = max(MIN_LEASE_S, lease_s)
        self.strict = strict
        self.timeout_seconds = timeout_seconds

    @classmethod
    def from_config(cls, config: LLMConfig, *, strict: bool = True) -> PrefectRequestLimiter:
        return cls(config.rate_limits, lease_s=slot_lease_s(config), strict=strict)

    @contextmanager
    def acquire(self) -> Iterator[None]:
        try:
            lease_id = self._lease_in_flight_slot()
            if lease_id is None:
                yield
                return
            registry = slot_holders()
            registry.record(str(lease_id), [self.in_flight_limit_name], 1, api_label(), self.lease_s)
            try:
                rate_limit(self.rpm_limit_name, occupy=1, strict=self.strict,
                           timeout_seconds=self._left(time.monotonic()))
                yield
            finally:
                release_concurrency_slots_with_lease(lease_id)
                registry.forget(str(lease_id))
        except ConcurrencySlotAcquisitionError as exc:
            if _api_was_unavailable(exc):
                # a busy API (SQLite answers 503 under write load) is not a missing limit: retry the task
                raise ResourceError(f"the Prefect API could not grant an LLM request slot just now ({exc})") from exc
            raise ConfigError(
                f"the Prefect concurrency limits {self.rpm_limit_name!r}/{self.in_flight_limit_name!r} are "
                "missing or unusable; run `cert setup-limits` (flows create them when absent)"
            ) from exc
        except TimeoutError as exc:
            raise TimeoutExceeded(f"no LLM request slot within {self.timeout_seconds} s") from exc

    def _lease_in_flight_slot(self) -> UUID | None:
        started = time.monotonic()
        wait = self.notice_after_s
        while True:
            budget = self._left(started)
            step = wait if budget is None else min(wait, budget)
            try:
                granted = acquire_concurrency_slots_with_lease(
                    [self.in_flight_limit_name], 1, timeout_seconds=step, lease_duration=self.lease_s,
                    strict=self.strict)
                return granted.lease_id if granted.limits else None
            except AcquireConcurrencySlotTimeoutError:
                if budget is not None and step >= budget:
                    raise
            check_stop()
            freed = reclaim_stale_slots()
            occupancy = limit_occupancy(self.in_flight_limit_name)
            full = f"{occupancy[0]}/{occupancy[1]} slots in use" if occupancy else "limit missing"
            _run_logger().warning(
                "waiting %.0f s for an LLM request slot: limit %r is full (%s)%s; "
                "`cert health` shows who holds slots, `cert setup-limits --reset` frees them",
                time.monotonic() - started, self.in_flight_limit_name, full,
                f", freed {len(freed)} held by ended runs" if freed else "")
            wait = 30.0

    def _left(self, started: float) -> float | None:
        if self.timeout_seconds is None:
            return None
        return max(0.0, self.timeout_seconds - (time.monotonic() - started))

    def __repr__(self) -> str:
        return f"PrefectRequestLimiter(rpm={self.rpm_limit_name!r}, in_flight={self.in_flight_limit_name!r})"


def _api_was_unavailable(exc: ConcurrencySlotAcquisitionError) -> bool:
    """A 5xx answer or a broken connection under the acquisition error, as opposed to a missing limit."""
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPStatusError):
        return cause.response.status_code >= 500
    return isinstance(cause, httpx.TransportError)


def _run_logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("cert.llm.slots")


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
