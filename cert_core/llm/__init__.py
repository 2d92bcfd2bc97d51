"""LLM backends behind one base class, the one retry loop, request limits, pricing, the governed call.

Names are imported on first use (PEP 562): the SDK and torch take seconds to import and a
simulated run needs neither, and cert_core.config imports the backend registry from here.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .anthropic_backend import AnthropicBackend
    from .base import BaseBackend, Generation
    from .completion import Completion, Message
    from .factory import BackendChoice, select_backend
    from .governed import GovernedLLM
    from .limiter import RequestLimiter, TokenBucketLimiter
    from .local_backend import LocalBackend
    from .pricing import compute_cost
    from .protocol import LLMBackend
    from .registry import BackendName
    from .retry import call_with_retries
    from .simulated_backend import SimulatedBackend

_LAZY = {
    "AnthropicBackend": ".anthropic_backend",
    "BackendChoice": ".factory",
    "BackendName": ".registry",
    "BaseBackend": ".base",
    "Completion": ".completion",
    "Generation": ".base",
    "GovernedLLM": ".governed",
    "LLMBackend": ".protocol",
    "LocalBackend": ".local_backend",
    "Message": ".completion",
    "RequestLimiter": ".limiter",
    "SimulatedBackend": ".simulated_backend",
    "TokenBucketLimiter": ".limiter",
    "call_with_retries": ".retry",
    "compute_cost": ".pricing",
    "select_backend": ".factory",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
