"""LLM backends behind one protocol, the one retry loop, request limits and pricing."""

from .anthropic_backend import AnthropicBackend
from .completion import Completion, Message
from .factory import BackendChoice, make_backend, select_backend
from .limiter import RequestLimiter, TokenBucketLimiter
from .local_backend import LocalBackend
from .pricing import compute_cost
from .protocol import LLMBackend
from .retry import RetryPolicy, call_with_retries
from .simulated_backend import SimulatedBackend

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
