"""The one LLM backend base: `complete()` validates, times, prices and records metrics once.

A backend implements `_generate(...) -> Generation`: what the model said and how many tokens
it used, nothing else. Everything every backend must do the same way lives here, so a new
backend cannot forget to price a call or count it in Prometheus.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from ..config.llm import LLMConfig
from ..errors import CertError
from .completion import Completion, Message, MessageLike
from .observe import record_failure, record_success
from .pricing import cost_of, price_for
from .registry import BackendName
from .validation import validate_request

__all__ = ["BaseBackend", "Generation"]


@dataclass(frozen=True)
class Generation:
    """What one backend call produced, before accounting."""

    text: str
    input_tokens: int
    output_tokens: int
    stop_reason: str | None = None
    attempts: int = 1
    latency_ms: float | None = None  # a backend that simulates its latency reports it; others are timed


class BaseBackend(ABC):
    """Implements the LLMBackend protocol around `_generate`.

    ``price_key`` names the pricing entry of llm.yaml (the model id unless a backend prices by
    another name, as `local` does); a missing entry fails here, not after the first paid call.
    """

    backend_name: ClassVar[BackendName]
    needs_key: ClassVar[bool] = False
    key_env_var: ClassVar[str | None] = None

    def __init__(self, config: LLMConfig, model_id: str, *, price_key: str | None = None) -> None:
        self.model_id = model_id
        self._price = price_for(price_key or model_id, config.pricing)
        self._max_prompt_chars = config.max_prompt_chars

    @abstractmethod
    def _generate(self, messages: tuple[Message, ...], *, max_tokens: int, temperature: float,
                  system: str | None) -> Generation:
        """One call on validated messages; raise a CertError (never a third-party exception)."""

    def complete(
        self,
        messages: Sequence[MessageLike] | str,
        *,
        max_tokens: int,
        temperature: float,
        system: str | None = None,
    ) -> Completion:
        msgs = validate_request(messages, max_tokens=max_tokens, temperature=temperature, system=system,
                                max_prompt_chars=self._max_prompt_chars)
        started = time.perf_counter()
        try:
            generation = self._generate(msgs, max_tokens=max_tokens, temperature=temperature, system=system)
        except CertError as error:
            record_failure(self.backend_name, error)
            raise
        measured_ms = (time.perf_counter() - started) * 1000.0
        completion = Completion(
            text=generation.text,
            input_tokens=generation.input_tokens,
            output_tokens=generation.output_tokens,
            model=self.model_id,
            latency_ms=round(generation.latency_ms if generation.latency_ms is not None else measured_ms, 3),
            cost_usd=self.price(generation.input_tokens, generation.output_tokens),
            backend=self.backend_name.value,
            attempts=generation.attempts,
            stop_reason=generation.stop_reason,
        )
        record_success(completion)
        return completion

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return cost_of(self._price, input_tokens, output_tokens)

    def close(self) -> None:
        """Release what the backend holds (connections, models); the base holds nothing."""

    def __enter__(self) -> BaseBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
