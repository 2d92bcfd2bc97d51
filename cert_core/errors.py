"""The one exception hierarchy of cert-flows.

Every failure that crosses a public boundary is a ``CertError``. Third-party
exceptions are mapped at the boundary with ``raise CertSubclass(...) from exc``.

    CertError                      message, error_type, recoverable, retry_after, context
    ├── InvalidInputError          bad user input (a row, an argument); never retried
    │   └── BudgetExceeded         an allocation above a daily/hourly/per-operation cap
    ├── ConfigError                a config file is malformed or a value is out of range
    ├── ResourceError              a model, client or file could not be used
    │   ├── ResourceLoadError      a model or file could not be found or loaded
    │   ├── GPUOutOfMemoryError    CUDA ran out of memory; the caller may fall back to CPU
    │   └── CorruptStateError      a state file does not parse or has wrong types; fail closed
    ├── NeedsKeyError              a backend needs an API key that is not set
    ├── CircuitBreakerOpen         a breaker is open; fail fast, never retried
    ├── LLMError                   an LLM call failed after its retries
    │   ├── RateLimited            429 from the API (retry_after from the server)
    │   ├── Overloaded             529 from the API
    │   ├── ServerError            5xx from the API
    │   ├── LLMTimeout             the request timed out
    │   ├── ConnectionDropped      the connection broke before a response
    │   └── MalformedResponse      the response body could not be parsed
    ├── TimeoutExceeded            a batch or step ran past its time limit
    ├── ValidationFailed           `cert validate`: the config or the routing smoke run failed
    └── StopRequested              the run was asked to stop (SIGTERM, Ctrl-C); never retried
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CorruptStateError",
    "StopRequested",
    "BudgetExceeded",
    "CertError",
    "CircuitBreakerOpen",
    "ConfigError",
    "ConnectionDropped",
    "GPUOutOfMemoryError",
    "InvalidInputError",
    "LLMError",
    "LLMTimeout",
    "MalformedResponse",
    "NeedsKeyError",
    "Overloaded",
    "RateLimited",
    "ResourceError",
    "ResourceLoadError",
    "ServerError",
    "TimeoutExceeded",
    "ValidationFailed",
]


class CertError(Exception):
    """Base of every cert-flows error.

    ``error_type`` defaults to the class name so rows and logs can be grouped
    by it; ``recoverable`` says whether retrying the same call may succeed.
    """

    recoverable_default: bool = False

    def __init__(
        self,
        message: str,
        error_type: str | None = None,
        recoverable: bool | None = None,
        retry_after: float | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        from .secrets import scrub, scrub_value  # every error message leaves the process: no key in it

        message = scrub(message)
        super().__init__(message)
        self.message = message
        self.error_type = error_type or type(self).__name__
        self.recoverable = self.recoverable_default if recoverable is None else recoverable
        self.retry_after = retry_after
        self.context = scrub_value(dict(context or {}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.error_type,
            "message": self.message,
            "recoverable": self.recoverable,
            "retry_after": self.retry_after,
            "context": self.context,
        }

    def __reduce__(self):  # keep errors picklable across Dask/process workers
        return (
            _rebuild,
            (type(self), self.message, self.error_type, self.recoverable, self.retry_after, self.context),
        )


def _rebuild(cls, message, error_type, recoverable, retry_after, context):
    err = cls.__new__(cls)
    CertError.__init__(err, message, error_type, recoverable, retry_after, context)
    return err


class InvalidInputError(CertError):
    pass


class BudgetExceeded(InvalidInputError):
    pass


class ConfigError(CertError):
    pass


class ResourceError(CertError):
    recoverable_default = True


class ResourceLoadError(ResourceError):
    pass


class GPUOutOfMemoryError(ResourceError):
    pass


class CorruptStateError(ResourceError):
    """A state file does not parse or fails its typed model; callers fail closed until it is reset."""

    recoverable_default = False


class NeedsKeyError(CertError):
    pass


class CircuitBreakerOpen(CertError):
    """Raised without calling the protected function; retrying now is pointless."""


class LLMError(CertError):
    recoverable_default = True


class RateLimited(LLMError):
    pass


class Overloaded(LLMError):
    pass


class ServerError(LLMError):
    pass


class LLMTimeout(LLMError):
    pass


class ConnectionDropped(LLMError):
    pass


class MalformedResponse(LLMError):
    pass


class TimeoutExceeded(CertError):
    recoverable_default = True


class ValidationFailed(CertError):
    """The project validation (config plus a routing smoke run on the sample) found problems."""


class StopRequested(CertError):
    """The run was asked to stop: no new LLM call starts; the rows done are still written."""
