"""LLM backends behind one protocol, the one retry loop, request limits and pricing.

AnthropicBackend and LocalBackend are imported on first use: the SDK and torch take seconds
to import, and a simulated run needs neither.
"""

from typing import TYPE_CHECKING

from .completion import Completion, Message
from .factory import BackendChoice, make_backend, select_backend
from .limiter import RequestLimiter, TokenBucketLimiter
from .pricing import compute_cost
from .protocol import LLMBackend
from .retry import RetryPolicy, call_with_retries
from .simulated_backend import SimulatedBackend

if TYPE_CHECKING:
    from .anthropic_backend import AnthropicBackend
    from .local_backend import LocalBackend

__all__ = [
    "AnthropicBackend",
    "BackendChoice",
    "Completion",
    "LLMBackend",
    "LocalBackend",
    "Message",
    "RequestLimiter",
    "RetryPolicy",
    "SimulatedBackend",
    "TokenBucketLimiter",
    "call_with_retries",
    "compute_cost",
    "make_backend",
    "select_backend",
]

_LAZY = {"AnthropicBackend": ".anthropic_backend", "LocalBackend": ".local_backend"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
