"""Backends for tests, built the way the factory builds them: from an LLMConfig section."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from cert_core.config.llm import LLMConfig
from cert_core.llm import AnthropicBackend, RequestLimiter, SimulatedBackend

__all__ = ["ScriptedBackend", "anthropic_backend", "llm_config", "simulated_backend"]


def llm_config(**sections: Any) -> LLMConfig:
    """LLMConfig from its YAML shape, e.g. llm_config(anthropic={"max_attempts": 1})."""
    return LLMConfig.model_validate(sections)


def anthropic_backend(base_url: str, limiter: RequestLimiter, *, key: str = "sk-test",
                      sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                      config: LLMConfig | None = None, **anthropic: Any) -> AnthropicBackend:
    """The real SDK client against a loopback server; ``anthropic`` overrides llm.yaml's section
    (max_attempts, backoff_base_s, timeout_s, model...)."""
    return AnthropicBackend(config or llm_config(anthropic=anthropic), api_key=SecretStr(key), limiter=limiter,
                            base_url=base_url, sleep=sleep, rng=rng)


def simulated_backend(*, sleep: Callable[[float], None] = time.sleep, **simulated: Any) -> SimulatedBackend:
    """Instant by default (latency_ms 0); ``simulated`` overrides llm.yaml's section (seed, latency_ms)."""
    return SimulatedBackend(llm_config(simulated={"latency_ms": 0, **simulated}), sleep=sleep)


class ScriptedBackend:
    """Raises the given errors in turn, then answers from the simulated backend; counts its calls."""

    model_id = "simulated"
    backend_name = "simulated"
    needs_key = False
    key_env_var = None

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.inner = simulated_backend()

    def complete(self, messages, *, max_tokens, temperature, system=None):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature, system=system)

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return self.inner.price(input_tokens, output_tokens)
