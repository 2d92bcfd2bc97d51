"""Governed LLM calls for one task in one run: operation ids, concurrency, accounting, metrics.

Every agent, aggregator and judge call goes through ``GovernedLLM.complete`` (budget hold incl.
the call's price, circuit breaker, commit/release). Calls that run at the same time (the agents of
a round, judge repeats) run on a small thread pool; each job runs in a copy of the caller's
context, so an orchestrator's task context (Prefect's ``call-llm`` task runs) follows it.
A ``CallLog`` keeps every finished call, so the calls made before a failure are still reported.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from ..errors import BudgetExceeded, CertError, CircuitBreakerOpen
from ..llm.completion import MessageLike
from ..llm.governed import COST_CAPS, CallLLM, GovernedLLM, direct_call
from ..observability import METRICS, get_logger
from .types import AgentResponse, Phase

__all__ = ["AgentCaller", "CallLog", "CallSpec", "is_cost_limited", "operation_id", "run_concurrently"]

T = TypeVar("T")
log = get_logger("cert.coordination")
_MAX_OPERATION_ID = 200


@dataclass(frozen=True)
class CallSpec:
    agent_id: str
    phase: Phase
    round: int
    tag: str  # unique within the task and run: part of the ledger's operation id
    messages: tuple[MessageLike, ...] | str
    max_tokens: int
    temperature: float
    system: str | None = None
    strategy: str | None = None


class CallLog:
    """Every call of one measurement, in completion order (thread-safe)."""

    def __init__(self) -> None:
        self._calls: list[AgentResponse] = []
        self._lock = threading.Lock()

    def add(self, response: AgentResponse) -> None:
        with self._lock:
            self._calls.append(response)

    def snapshot(self) -> tuple[AgentResponse, ...]:
        with self._lock:
            return tuple(self._calls)


def operation_id(run_id: str, task_id: str, tag: str) -> str:
    """``run:task:tag``, at most 200 characters (a long task id is replaced by its hash)."""
    op = f"{run_id}:{task_id}:{tag}"
    if len(op) <= _MAX_OPERATION_ID:
        return op
    digest = hashlib.sha256(task_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{run_id}:{digest}:{tag}"[:_MAX_OPERATION_ID]


def is_cost_limited(exc: BaseException) -> bool:
    return isinstance(exc, BudgetExceeded) and exc.context.get("cap") in COST_CAPS


def run_concurrently(jobs: Sequence[Callable[[], T]], max_workers: int) -> list[T | BaseException]:
    """Run jobs on threads, each in a copy of the current context; results (or exceptions) in order."""
    if not jobs:
        return []

    def guarded(job: Callable[[], T]) -> T | BaseException:
        try:
            return job()
        except Exception as exc:  # returned, so every job finishes and its cost is accounted for
            return exc

    if len(jobs) == 1 or max_workers <= 1:
        return [guarded(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(jobs)), thread_name_prefix="cert-agent") as pool:
        futures = [pool.submit(contextvars.copy_context().run, guarded, job) for job in jobs]
        return [f.result() for f in futures]


def first_error(results: Sequence[object]) -> BaseException | None:
    """The error that matters most: a cost cap first (it stops new work), then the first failure."""
    errors = [r for r in results if isinstance(r, BaseException)]
    if not errors:
        return None
    return next((e for e in errors if is_cost_limited(e)), errors[0])


class AgentCaller:
    """Makes the governed calls of one task measurement and logs each finished one."""

    def __init__(
        self,
        llm: GovernedLLM,
        *,
        run_id: str,
        task_id: str,
        log: CallLog,
        priority: str = "medium",
        operation_type: str = "coordination",
        call: CallLLM | Callable = direct_call,
        max_parallel: int = 8,
    ) -> None:
        self.llm = llm
        self.run_id = run_id
        self.task_id = task_id
        self.log = log
        self.priority = priority
        self.operation_type = operation_type
        self.call = call
        self.max_parallel = max_parallel

    @property
    def model_id(self) -> str:
        return self.llm.model_id

    def ask(self, spec: CallSpec, *, record: bool = True) -> AgentResponse:
        """One governed call; ``record=False`` leaves logging to the caller (a judge logs its parsed score)."""
        try:
            completion = self.llm.complete(
                spec.messages, operation_id=operation_id(self.run_id, self.task_id, spec.tag),
                max_tokens=spec.max_tokens, temperature=spec.temperature, system=spec.system,
                operation_type=self.operation_type, priority=self.priority, call=self.call,
            )
        except CertError as exc:
            status = ("cost_limited" if is_cost_limited(exc) else "denied" if isinstance(exc, BudgetExceeded)
                      else "circuit_open" if isinstance(exc, CircuitBreakerOpen) else "error")
            METRICS.coordination_api_calls.labels(agent=spec.agent_id, status=status).inc()
            log.info("coordination call failed", extra={"task_id": self.task_id, "agent": spec.agent_id,
                                                         "tag": spec.tag, "error_type": exc.error_type})
            raise
        response = AgentResponse(
            agent_id=spec.agent_id, phase=spec.phase, round=spec.round, response=completion.text,
            input_tokens=completion.input_tokens, output_tokens=completion.output_tokens,
            cost_usd=completion.cost_usd, latency_ms=completion.latency_ms, model=completion.model,
            strategy=spec.strategy, tag=spec.tag,
        )
        METRICS.coordination_api_calls.labels(agent=spec.agent_id, status="success").inc()
        METRICS.coordination_cost.labels(agent=spec.agent_id).inc(completion.cost_usd)
        if record:
            self.log.add(response)
        return response

    def ask_all(self, specs: Sequence[CallSpec]) -> list[AgentResponse]:
        """The calls at once (up to max_parallel); when any fails, the others still finish, then the
        most important error is raised (a cost cap before anything else)."""
        results = run_concurrently([lambda s=s: self.ask(s) for s in specs], self.max_parallel)
        error = first_error(results)
        if error is not None:
            raise error
        return list(results)  # type: ignore[arg-type]
