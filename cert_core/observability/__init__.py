"""Structured logging, Prometheus metrics and the /metrics + /health server."""

from .logging import configure_logging, correlation_id, get_correlation_id, get_logger
from .metrics import METRICS, CertMetrics
from .server import make_server, metrics_server, serve_in_thread

__all__ = [
    "METRICS",
    "CertMetrics",
    "configure_logging",
    "correlation_id",
    "get_correlation_id",
    "get_logger",
    "make_server",
    "metrics_server",
    "serve_in_thread",
]
