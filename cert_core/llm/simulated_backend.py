"""A deterministic stand-in for an LLM, for development, demos and tests. Always labelled simulated."""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable

from ..config.llm import LLMConfig
from ..observability import get_logger
from .base import BaseBackend, Generation
from .completion import Message
from .registry import BackendName

__all__ = ["SimulatedBackend"]

log = get_logger("cert.llm.simulated")

_WORDS = (
    "the analysis suggests a structured approach: first identify constraints, then weigh the options, "
    "check each assumption against the evidence, and state the conclusion with its confidence. "
    "risk budget latency quality tradeoff overlay scenario baseline signal trend estimate review"
).split()


class SimulatedBackend(BaseBackend):
    """Seeded from (seed, messages, system): the same request always gives the same Completion.

    Input tokens are about chars/4 plus a few per message (as real tokenizers give for
    English); output tokens grow with the prompt's complexity (length and questions) and are
    capped at max_tokens. Latency is latency_ms scaled by output length, with seeded jitter,
    and is slept for real (``sleep``), so concurrency behaves as with a remote model.
    """

    backend_name = BackendName.SIMULATED

    def __init__(self, config: LLMConfig, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(config, "simulated")
        self.seed = config.simulated.seed
        self.latency_ms = config.simulated.latency_ms
        self._sleep = sleep
        log.info("using the SIMULATED LLM backend: answers are synthetic, not from a model",
                 extra={"backend": "simulated", "seed": self.seed})

    def _generate(self, messages: tuple[Message, ...], *, max_tokens: int, temperature: float,
                  system: str | None) -> Generation:
        payload = json.dumps([self.seed, system, [m.as_dict() for m in messages]], sort_keys=True)
        rng = random.Random(int.from_bytes(hashlib.sha256(payload.encode()).digest()[:8], "big"))

        chars = sum(len(m.content) for m in messages) + len(system or "")
        input_tokens = math.ceil(chars / 4) + 4 * len(messages) + (3 if system else 0)
        user_text = " ".join(m.content for m in messages if m.role == "user")
        complexity = len(user_text.split()) + 20 * user_text.count("?")
        wanted = 24 + int(complexity * rng.uniform(0.8, 1.6))
        output_tokens = max(1, min(max_tokens, wanted))
        words = [rng.choice(_WORDS) for _ in range(max(1, int(output_tokens * 0.75)))]

        latency_ms = round(self.latency_ms * (0.5 + output_tokens / 200) * rng.uniform(0.8, 1.2), 3)
        if latency_ms > 0:
            self._sleep(latency_ms / 1000.0)
        return Generation(
            text="[simulated] " + " ".join(words),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            stop_reason="max_tokens" if output_tokens == max_tokens and wanted > max_tokens else "end_turn",
            latency_ms=latency_ms,
        )

    def __repr__(self) -> str:
        return f"SimulatedBackend(seed={self.seed}, latency_ms={self.latency_ms:g})"
