"""The real Anthropic SDK behind the LLMBackend protocol, with our retry loop as its only retry loop."""

from __future__ import annotations

import json
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import replace

import anthropic
from pydantic import SecretStr

from ..config.llm import LLMConfig
from ..errors import MalformedResponse
from ..observability import get_logger
from .anthropic_errors import map_sdk_error
from .base import BaseBackend, Generation
from .completion import Message
from .limiter import RequestLimiter
from .registry import BackendName
from .retry import call_with_retries

__all__ = ["AnthropicBackend"]

log = get_logger("cert.llm.anthropic")


class AnthropicBackend(BaseBackend):
    """``anthropic.Anthropic`` with ``max_retries=0``: every HTTP attempt passes our limiter.

    Model, timeout and retry policy come from ``config.anthropic``; ``base_url`` (from
    ANTHROPIC_BASE_URL) overrides the section's. The key is held as a SecretStr and handed to
    the SDK only; it is never in a repr, a log line or an error message (errors are scrubbed
    before they leave this module).
    """

    backend_name = BackendName.ANTHROPIC
    needs_key = True
    key_env_var = "ANTHROPIC_API_KEY"

    def __init__(
        self,
        config: LLMConfig,
        *,
        api_key: SecretStr,
        limiter: RequestLimiter,
        base_url: str | None = None,
        http_client=None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        settings = config.anthropic
        super().__init__(config, settings.model)
        self._settings = settings
        self._secret = api_key
        self._limiter = limiter
        self.base_url = base_url or settings.base_url
        self.timeout_s = settings.timeout_s
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._client = anthropic.Anthropic(
            api_key=api_key.get_secret_value(),
            base_url=self.base_url,
            timeout=settings.timeout_s,
            max_retries=0,  # the one retry loop is ours, so every attempt takes a limiter slot
            http_client=http_client,
        )
        # close the connection pool when the backend is dropped, even if nobody calls close()
        self._finalizer = weakref.finalize(self, self._client.close)

    def _generate(self, messages: tuple[Message, ...], *, max_tokens: int, temperature: float,
                  system: str | None) -> Generation:
        result = call_with_retries(
            lambda: self._attempt(messages, max_tokens, system),
            limiter=self._limiter, policy=self._settings, sleep=self._sleep, rng=self._rng,
        )
        log.debug("anthropic completion", extra={"model": self.model_id, "attempts": result.attempts})
        return replace(result.value, attempts=result.attempts)

    def _attempt(self, messages: tuple[Message, ...], max_tokens: int, system: str | None) -> Generation:
        """One HTTP request, or a CertError.

        ``temperature`` is validated by the base but not sent: Messages.create in anthropic 2.x has
        no such parameter any more (sampling is the model's own).
        """
        kwargs = {"system": system} if system else {}
        try:
            response = self._client.messages.create(
                model=self.model_id,
                max_tokens=max_tokens,
                messages=[m.as_dict() for m in messages],
                **kwargs,
            )
        except (anthropic.AnthropicError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise map_sdk_error(exc, secret=self._secret.get_secret_value(), model=self.model_id) from exc
        return _parse_message(response, self.model_id)

    def close(self) -> None:
        self._finalizer()

    def __repr__(self) -> str:
        return f"AnthropicBackend(model={self.model_id!r}, base_url={self.base_url!r}, timeout_s={self.timeout_s:g})"


def _parse_message(response, model: str) -> Generation:
    """Pull text and usage out of a Message; a body of the wrong shape is a MalformedResponse."""
    try:
        blocks = response.content
        text = "".join(block.text for block in blocks if getattr(block, "type", None) == "text")
        input_tokens = int(response.usage.input_tokens)
        output_tokens = int(response.usage.output_tokens)
        stop_reason = response.stop_reason
    except (AttributeError, TypeError, ValueError) as exc:
        raise MalformedResponse(
            f"the API response has no usable content/usage ({type(exc).__name__})",
            recoverable=False, context={"model": model},
        ) from exc
    if input_tokens < 0 or output_tokens < 0:
        raise MalformedResponse("the API reported negative token usage", recoverable=False, context={"model": model})
    return Generation(text, input_tokens, output_tokens, stop_reason)
