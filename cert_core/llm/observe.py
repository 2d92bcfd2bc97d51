"""Prometheus accounting shared by every backend: calls, tokens, cost, latency."""

from __future__ import annotations

from ..observability import METRICS
from .completion import Completion

__all__ = ["record_failure", "record_success"]


def record_success(completion: Completion) -> None:
    METRICS.llm_calls.labels(backend=completion.backend, status="ok").inc()
    METRICS.llm_tokens.labels(backend=completion.backend, direction="input").inc(completion.input_tokens)
    METRICS.llm_tokens.labels(backend=completion.backend, direction="output").inc(completion.output_tokens)
    METRICS.llm_cost.labels(backend=completion.backend, model=completion.model).inc(completion.cost_usd)
    METRICS.llm_latency.labels(backend=completion.backend).observe(completion.latency_ms / 1000.0)


def record_failure(backend: str, error: Exception) -> None:
    status = getattr(error, "error_type", type(error).__name__)
    METRICS.llm_calls.labels(backend=backend, status=status).inc()
