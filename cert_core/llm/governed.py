"""The governed LLM call that every flow uses: budget hold, circuit breaker, the call, settlement.

    reserve the most the call can use (prompt estimate + max_tokens, and its price) in the ledger
      -> denied: BudgetExceeded (context["cap"] names the cap; a cost cap means "cost limited")
    call(guarded_backend, messages, ...) -> the breaker guards the backend inside the call, so an
      open circuit fails fast with CircuitBreakerOpen and is never retried
    success -> commit the actual tokens and cost; any failure -> release the hold, re-raise

``call`` is injected per call: cert_core calls the backend directly, the Prefect layer passes its
``call-llm`` task (retries on its decorator), so the retry policy lives in exactly one place and
nothing here imports Prefect. Rate limiting happens below, inside the backend's retry loop, where
every HTTP attempt takes a limiter slot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ..errors import BudgetExceeded
from ..governance import EnergyGovernanceController
from ..safety import CircuitBreaker
from ..stop import check_stop
from .completion import Completion, MessageLike, to_messages
from .protocol import LLMBackend

__all__ = ["COST_CAPS", "CallLLM", "GovernedLLM", "GuardedBackend", "direct_call", "estimate_tokens"]

COST_CAPS = frozenset({"hourly_cost", "daily_cost", "per_operation_cost"})
_CHARS_PER_TOKEN = 4


class CallLLM(Protocol):
    def __call__(self, backend: LLMBackend, messages: Sequence[MessageLike] | str, *, max_tokens: int,
                 temperature: float, system: str | None = None) -> Completion: ...


def direct_call(backend: LLMBackend, messages: Sequence[MessageLike] | str, *, max_tokens: int,
                temperature: float, system: str | None = None) -> Completion:
    """The call without an orchestrator: the backend's own retry loop is the only one."""
    return backend.complete(messages, max_tokens=max_tokens, temperature=temperature, system=system)


def estimate_tokens(text: str) -> int:
    """About four characters a token for English; used for holds and baselines, never for billing."""
    return max(1, math.ceil(len(text) / _CHARS_PER_TOKEN))


class GuardedBackend:
    """A backend whose every call passes a circuit breaker.

    A plain class (not a dataclass) so Prefect passes it to tasks without walking its fields.
    """

    __slots__ = ("breaker", "inner")

    def __init__(self, inner: LLMBackend, breaker: CircuitBreaker) -> None:
        self.inner = inner
        self.breaker = breaker

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def backend_name(self) -> str:
        return self.inner.backend_name

    @property
    def needs_key(self) -> bool:
        return self.inner.needs_key

    @property
    def key_env_var(self) -> str | None:
        return self.inner.key_env_var

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return self.inner.price(input_tokens, output_tokens)

    def complete(self, messages: Sequence[MessageLike] | str, *, max_tokens: int, temperature: float,
                 system: str | None = None) -> Completion:
        return self.breaker.call(self.inner.complete, messages, max_tokens=max_tokens, temperature=temperature,
                                 system=system)

    def __repr__(self) -> str:
        return f"GuardedBackend({self.inner!r}, breaker={self.breaker.name!r})"


class GovernedLLM:
    """One backend under one budget controller and one breaker; shared by a process's task runs."""

    def __init__(self, backend: LLMBackend, controller: EnergyGovernanceController, breaker: CircuitBreaker) -> None:
        self.backend = backend
        self.controller = controller
        self.breaker = breaker
        self.guarded = GuardedBackend(backend, breaker)

    @property
    def backend_name(self) -> str:
        return self.backend.backend_name

    @property
    def model_id(self) -> str:
        return self.backend.model_id

    def prompt_tokens(self, messages: Sequence[MessageLike] | str, system: str | None = None) -> int:
        return estimate_tokens((system or "") + "".join(m.content for m in to_messages(messages)))

    def complete(
        self,
        messages: Sequence[MessageLike] | str,
        *,
        operation_id: str,
        max_tokens: int,
        temperature: float,
        system: str | None = None,
        operation_type: str = "llm_call",
        priority: str = "medium",
        category: str | None = None,
        context: Mapping[str, Any] | None = None,
        call: CallLLM | Callable[..., Completion] = direct_call,
    ) -> Completion:
        """Hold the budget, make the call through the breaker, settle. Raises BudgetExceeded when
        a cap denies the hold, CircuitBreakerOpen when the breaker is open, the LLM's CertError
        when the call fails; the hold is released on every failure."""
        check_stop()  # a run asked to stop starts no new call
        prompt_tokens = self.prompt_tokens(messages, system)
        allocation = self.controller.allocate_budget(
            operation_type,
            prompt_tokens + max_tokens,  # the most this call can use
            priority,
            category=category,
            context=context,
            operation_id=operation_id,
            estimated_cost_usd=self.backend.price(prompt_tokens, max_tokens),
        )
        if not allocation.approved:
            raise BudgetExceeded(allocation.reason, context={"cap": allocation.denied_by, "operation_id": operation_id})
        try:
            completion = call(self.guarded, messages, max_tokens=max_tokens, temperature=temperature, system=system)
        except BaseException:
            self.controller.release(operation_id)
            raise
        self.controller.record_consumption(operation_id, completion.total_tokens, True, cost_usd=completion.cost_usd)
        return completion

    def close(self) -> None:
        self.controller.close()
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        return f"GovernedLLM({self.backend!r}, breaker={self.breaker.name!r})"
