"""An LLM backend whose every call passes a circuit breaker.

Wrapping the backend (rather than the task) puts the breaker inside the Prefect task, so an
open circuit fails the task with CircuitBreakerOpen, which the task's retry condition never retries.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..llm import Completion, LLMBackend
from ..safety import CircuitBreaker


class GuardedBackend:
    """A plain class (not a dataclass) so Prefect passes it to tasks without walking its fields."""

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

    def complete(self, messages: Sequence | str, *, max_tokens: int, temperature: float, system: str | None = None) -> Completion:
        return self.breaker.call(self.inner.complete, messages, max_tokens=max_tokens, temperature=temperature, system=system)

    def __repr__(self) -> str:
        return f"GuardedBackend({self.inner!r}, breaker={self.breaker.name!r})"
