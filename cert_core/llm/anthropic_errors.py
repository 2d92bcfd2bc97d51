"""Map every Anthropic SDK failure to a typed CertError, at the boundary.

Findings for anthropic 2.12 against a real server: 429 -> RateLimitError, 529 -> OverloadedError
(a subclass of InternalServerError), 5xx -> InternalServerError, a read timeout -> APITimeoutError,
a connection closed without a response -> APIConnectionError, and a 200 whose body is not JSON
-> a bare ``json.JSONDecodeError`` from ``response.json()`` (not an SDK exception).
"""

from __future__ import annotations

import json

import anthropic

from ..errors import (
    CertError,
    ConnectionDropped,
    InvalidInputError,
    LLMError,
    LLMTimeout,
    MalformedResponse,
    NeedsKeyError,
    Overloaded,
    RateLimited,
    ServerError,
)
from ..secrets import scrub as _scrub

__all__ = ["map_sdk_error", "parse_retry_after", "scrub"]

_BODY_CHARS = 300


def scrub(text: str, secret: str | None) -> str:
    """Remove the API key, and any fragment of it, from anything that may be logged or raised."""
    return _scrub(text, secret)


def parse_retry_after(headers) -> float | None:
    """Seconds from retry-after-ms or retry-after (numeric); None when absent or unparseable."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def _api_message(exc: anthropic.APIStatusError) -> str:
    """The server's message, whole: the caller scrubs it before cutting it to length."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", ""))
    return str(exc.message)


def map_sdk_error(exc: BaseException, *, secret: str | None = None, model: str = "") -> CertError:
    """Return the CertError for an exception raised by ``client.messages.create``."""
    ctx = {"model": model, "sdk_error": type(exc).__name__}
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        ctx["status_code"] = status
        detail = scrub(_api_message(exc), secret)[:_BODY_CHARS]  # scrub first, then cut
        retry_after = parse_retry_after(exc.response.headers)
        if status == 429:
            return RateLimited(f"rate limited by the API (429): {detail}", retry_after=retry_after, context=ctx)
        if status == 529 or isinstance(exc, anthropic.OverloadedError):
            return Overloaded(f"the API is overloaded (529): {detail}", retry_after=retry_after, context=ctx)
        if status >= 500:
            return ServerError(f"server error from the API ({status}): {detail}", context=ctx)
        if status == 408:
            return LLMTimeout(f"the API timed out the request (408): {detail}", context=ctx)
        if status in (401, 403):
            return NeedsKeyError(f"the API rejected the key ({status}): {detail}; check ANTHROPIC_API_KEY "
                                 "(or choose --backend simulated)", context=ctx)
        if status in (400, 404, 413, 422):
            return InvalidInputError(f"the API rejected the request ({status}): {detail}; fix the prompt or model",
                                     context=ctx)
        return LLMError(f"the API refused the request ({status}): {detail}", recoverable=False, context=ctx)
    if isinstance(exc, anthropic.APITimeoutError):
        return LLMTimeout("the request to the API timed out; raise anthropic.timeout_s in configs/fusion/llm.yaml "
                          "if responses are legitimately slow", context=ctx)
    if isinstance(exc, anthropic.APIConnectionError):
        return ConnectionDropped("the connection to the API broke before a response arrived", context=ctx)
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        # unparseable bytes are a transport glitch (a cut-off body), so worth another attempt
        return MalformedResponse(f"the API returned a body that could not be parsed ({type(exc).__name__})",
                                 recoverable=True, context=ctx)
    if isinstance(exc, anthropic.APIResponseValidationError):
        return MalformedResponse(f"the API returned a body of the wrong shape ({type(exc).__name__})",
                                 recoverable=False, context=ctx)
    return LLMError(scrub(f"unexpected SDK failure ({type(exc).__name__}): {exc}", secret)[:_BODY_CHARS],
                    recoverable=False, context=ctx)
