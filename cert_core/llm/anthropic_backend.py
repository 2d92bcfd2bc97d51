"""The real Anthropic SDK behind the LLMBackend protocol, with our retry loop as its only retry loop."""

from __future__ import annotations

import json
import random
import time
import weakref
from collections.abc import Callable, Mapping, Sequence

import anthropic
from pydantic import SecretStr

from ..config.llm import ModelPrice
from ..errors import CertError, MalformedResponse
from ..observability import get_logger
from .completion import Completion, Message, MessageLike
from .anthropic_errors import map_sdk_error
from .limiter import RequestLimiter
from .observe import record_failure, record_success
from .pricing import compute_cost, price_for
from .retry import RetryPolicy, call_with_retries
from .validation import validate_request

__all__ = ["AnthropicBackend"]

log = get_logger("cert.llm.anthropic")


class AnthropicBackend:
    """``anthropic.Anthropic`` with ``max_retries=0``: every HTTP attempt passes our limiter.

    The key is held as a SecretStr and handed to the SDK only; it is never in a repr, a log
    line or an error message (errors are scrubbed before they leave this module).
    """

    backend_name = "anthropic"
    needs_key = True
    key_env_var = "ANTHROPIC_API_KEY"

    def __init__(
        self,
        *,
        model: str,
        api_key: SecretStr,
        limiter: RequestLimiter,
        pricing: Mapping[str, ModelPrice],
        policy: RetryPolicy | None = None,
        base_url: str | None = None,
        timeout_s: float = 30.0,
        max_prompt_chars: int = 200_000,
        http_client=None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.model_id = model
        self._pricing = dict(pricing)
        price_for(model, self._pricing)  # fail at construction, not after the first paid call
        self._secret = api_key
        self._limiter = limiter
        self._policy = policy or RetryPolicy()
        self.base_url = base_url
        self.timeout_s = timeout_s
        self._max_prompt_chars = max_prompt_chars
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._client = anthropic.Anthropic(
            api_key=api_key.get_secret_value(),
            base_url=base_url,
            timeout=timeout_s,
            max_retries=0,  # the one retry loop is ours, so every attempt takes a limiter slot
            http_client=http_client,
        )
        # close the connection pool when the backend is dropped, even if nobody calls close()
        self._finalizer = weakref.finalize(self, self._client.close)

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
            result = call_with_retries(
                lambda: self._attempt(msgs, max_tokens, temperature, system),
                limiter=self._limiter, policy=self._policy, sleep=self._sleep, rng=self._rng,
            )
        except CertError as error:
            record_failure(self.backend_name, error)
            raise
        text, stop_reason, input_tokens, output_tokens = result.value
        completion = Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            model=self.model_id,
            latency_ms=round((time.perf_counter() - started) * 1000.0, 3),
            cost_usd=compute_cost(self.model_id, input_tokens, output_tokens, self._pricing),
            backend=self.backend_name,
            attempts=result.attempts,
            stop_reason=stop_reason,
        )
        record_success(completion)
        log.debug("anthropic completion", extra={"model": self.model_id, "attempts": result.attempts,
                                                 "input_tokens": input_tokens, "output_tokens": output_tokens})
        return completion

    def _attempt(self, msgs: tuple[Message, ...], max_tokens: int, temperature: float, system: str | None):
        """One HTTP request; returns (text, stop_reason, input_tokens, output_tokens) or raises a CertError.

        ``temperature`` is validated but not sent: Messages.create in anthropic 2.x has no such
        parameter any more (sampling is the model's own).
        """
        kwargs = {"system": system} if system else {}
        try:
            response = self._client.messages.create(
                model=self.model_id,
                max_tokens=max_tokens,
                messages=[m.as_dict() for m in msgs],
                **kwargs,
            )
        except (anthropic.AnthropicError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise map_sdk_error(exc, secret=self._secret.get_secret_value(), model=self.model_id) from exc
        return _parse_message(response, self.model_id)

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> AnthropicBackend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return compute_cost(self.model_id, input_tokens, output_tokens, self._pricing)

    def __repr__(self) -> str:
        return f"AnthropicBackend(model={self.model_id!r}, base_url={self.base_url!r}, timeout_s={self.timeout_s:g})"


def _parse_message(response, model: str) -> tuple[str, str | None, int, int]:
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
    return text, stop_reason, input_tokens, output_tokens
