"""The one interface the flows call, whatever answers behind it (backends implement it through
llm/base.py's BaseBackend; wrappers such as GuardedBackend implement it directly)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from .completion import Completion, MessageLike

__all__ = ["LLMBackend"]


@runtime_checkable
class LLMBackend(Protocol):
    model_id: str
    backend_name: str  # a registry.BackendName: the value written to Parquet
    needs_key: bool
    key_env_var: str | None

    def complete(self, messages: Sequence[MessageLike] | str, *, max_tokens: int, temperature: float,
                 system: str | None = None) -> Completion:
        """Return a Completion or raise a CertError (InvalidInputError, an LLMError subclass, ...)."""
        ...

    def price(self, input_tokens: int, output_tokens: int) -> float:
        """USD for a call of this size on this backend's model (the budget ledger holds it up front)."""
        ...
