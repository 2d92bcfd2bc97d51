"""A deterministic stand-in for an LLM, for development, demos and tests. Always labelled simulated."""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence

from ..config.llm import ModelPrice
from ..observability import get_logger
from .completion import Completion, MessageLike
from .observe import record_success
from .pricing import compute_cost
from .validation import validate_request

__all__ = ["SimulatedBackend"]

log = get_logger("cert.llm.simulated")

_WORDS = (
    "the analysis suggests a structured approach: first identify constraints, then weigh the options, "
    "check each assumption against the evidence, and state the conclusion with its confidence. "
    "risk budget latency quality tradeoff overlay scenario baseline signal trend estimate review"
).split()


class SimulatedBackend:
    """Seeded from (seed, messages, system): the same request always gives the same Completion.

    Input tokens are about chars/4 plus a few per message (as real tokenizers give for
    English); output tokens grow with the prompt's complexity (length and questions) and are
    capped at max_tokens. Latency is latency_ms scaled by output length, with seeded jitter.
    """

    model_id = "simulated"
    backend_name = "simulated"
    needs_key = False
    key_env_var = None

    def __init__(
        self,
        *,
        seed: int = 7,
        latency_ms: float = 40.0,
        pricing: Mapping[str, ModelPrice] | None = None,
        max_prompt_chars: int = 200_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.seed = seed
        self.latency_ms = latency_ms
        self._pricing = dict(pricing or {"simulated": ModelPrice(input=3.0, output=15.0, cache_read=0.3)})
        self._max_prompt_chars = max_prompt_chars
        self._sleep = sleep
        log.info("using the SIMULATED LLM backend: answers are synthetic, not from a model",
                 extra={"backend": "simulated", "seed": seed})

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
        payload = json.dumps([self.seed, system, [m.as_dict() for m in msgs]], sort_keys=True)
        rng = random.Random(int.from_bytes(hashlib.sha256(payload.encode()).digest()[:8], "big"))

        chars = sum(len(m.content) for m in msgs) + len(system or "")
        input_tokens = math.ceil(chars / 4) + 4 * len(msgs) + (3 if system else 0)
        user_text = " ".join(m.content for m in msgs if m.role == "user")
        complexity = len(user_text.split()) + 20 * user_text.count("?")
        wanted = 24 + int(complexity * rng.uniform(0.8, 1.6))
        output_tokens = max(1, min(max_tokens, wanted))
        words = [rng.choice(_WORDS) for _ in range(max(1, int(output_tokens * 0.75)))]
        text = "[simulated] " + " ".join(words)

        latency_ms = round(self.latency_ms * (0.5 + output_tokens / 200) * rng.uniform(0.8, 1.2), 3)
        if latency_ms > 0:
            self._sleep(latency_ms / 1000.0)
        completion = Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            model=self.model_id,
            latency_ms=latency_ms,
            cost_usd=compute_cost(self.model_id, input_tokens, output_tokens, self._pricing),
            backend=self.backend_name,
            stop_reason="max_tokens" if output_tokens == max_tokens and wanted > max_tokens else "end_turn",
        )
        record_success(completion)
        log.debug("simulated completion", extra={"backend": "simulated", "output_tokens": output_tokens})
        return completion

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return compute_cost(self.model_id, input_tokens, output_tokens, self._pricing)

    def __repr__(self) -> str:
        return f"SimulatedBackend(seed={self.seed}, latency_ms={self.latency_ms:g})"
