"""`cert metrics serve`: /metrics for Prometheus and /health for probes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .metrics import aggregate_registry

HealthProbe = Callable[[], dict]


def _default_health() -> dict:
    return {"status": "healthy"}


def make_server(host: str = "127.0.0.1", port: int = 9090, health: HealthProbe = _default_health) -> ThreadingHTTPServer:
    registry = aggregate_registry()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/health":
                report = health()
                code = 503 if report.get("status") == "unhealthy" else 200
                self._send(code, json.dumps(report, default=str).encode(), "application/json")
            else:
                self._send(404, b'{"error": "not found; try /metrics or /health"}', "application/json")

        def _send(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep stderr for real errors
            pass

    return ThreadingHTTPServer((host, port), Handler)


def serve_in_thread(host: str = "127.0.0.1", port: int = 0, health: HealthProbe = _default_health) -> ThreadingHTTPServer:
    """Start the server on a daemon thread (port 0 picks a free port: ``server.server_address``)."""
    server = make_server(host, port, health)
    threading.Thread(target=server.serve_forever, name="cert-metrics", daemon=True).start()
    return server


@contextmanager
def metrics_server(host: str = "127.0.0.1", port: int = 0, health: HealthProbe = _default_health) -> Iterator[ThreadingHTTPServer]:
    """Run the server for the duration of a ``with`` block, then stop it and close its socket."""
    server = serve_in_thread(host, port, health)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
