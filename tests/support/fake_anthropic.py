"""A loopback HTTP server that speaks enough of the Anthropic Messages API for the real SDK.

    with FakeMessagesAPI(faults=FaultPlan(rate=0.3, kinds={"rate_limited": 1, "overloaded": 1}, seed=1),
                         latency_s=0.2) as api:
        client = anthropic.Anthropic(api_key="k", base_url=api.base_url, max_retries=0)

Faults are chosen per request number (schedule first, then the seeded plan), so a run is
reproducible whatever order threads arrive in. Every request lands in ``api.log`` with its
arrival time and outcome. Used by tests/integration, tests/fault and benchmarks/bench_llm.py.

Scripted replies (the text of a successful answer): ``api.enqueue("first", "second")`` answers the
next successful requests in order; ``replies=fn`` (or ``api.replies = fn``) answers the rest with
``fn(request_body)``, where returning None falls back to the default "ok ok ..." text.
``error_text=fn(kind, request_headers)`` sets the message of injected error bodies (e.g. a server
that echoes the API key back).
"""

from __future__ import annotations

import json
import math
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FAULT_KINDS", "FakeMessagesAPI", "FaultPlan", "RequestRecord"]

# kind -> (HTTP status, Anthropic error type); "slow", "drop" and "malformed" are handled specially
FAULT_KINDS: dict[str, tuple[int, str]] = {
    "rate_limited": (429, "rate_limit_error"),
    "overloaded": (529, "overloaded_error"),
    "server_error": (500, "api_error"),
    "bad_request": (400, "invalid_request_error"),
    "unauthorized": (401, "authentication_error"),
    "slow": (200, ""),
    "drop": (0, ""),
    "malformed": (200, ""),
}


@dataclass(frozen=True)
class FaultPlan:
    """Which requests fail and how.

    rate: probability that a request (not covered by the schedule) is faulted.
    kinds: fault kind -> relative weight (see FAULT_KINDS).
    schedule: explicit kinds for the first requests, in arrival order ("ok" for none).
    """

    rate: float = 0.0
    kinds: Mapping[str, float] = field(default_factory=lambda: {"server_error": 1.0})
    seed: int = 0
    schedule: Sequence[str] = ()

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        unknown |= {k for k in self.schedule if k != "ok" and k not in FAULT_KINDS}
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {sorted(FAULT_KINDS)}")

    def fault_for(self, index: int) -> str | None:
        if index < len(self.schedule):
            kind = self.schedule[index]
            return None if kind == "ok" else kind
        rng = random.Random(f"{self.seed}:{index}")
        if not self.kinds or rng.random() >= self.rate:
            return None
        names = sorted(self.kinds)
        return rng.choices(names, weights=[self.kinds[n] for n in names])[0]


@dataclass(frozen=True)
class RequestRecord:
    index: int
    arrived: float  # time.monotonic() when the request line was read
    finished: float
    outcome: str  # "ok" or a fault kind
    status: int  # 0 when the connection was dropped
    model: str | None
    api_key_seen: bool
    sdk_retry_count: str | None  # the SDK's x-stainless-retry-count header


class _Server(ThreadingHTTPServer):
    """Tracks open connections so stop() can close keep-alive sockets and join every handler."""

    daemon_threads = True
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (timeout, pool shutdown) is normal here; anything else is printed."""
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.open_connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class FakeMessagesAPI:
    def __init__(
        self,
        *,
        faults: FaultPlan | None = None,
        latency_s: float = 0.0,
        retry_after_s: float = 0.05,
        slow_s: float = 2.0,
        output_tokens: int = 16,
        rate_limit_requests: int = 50,
        replies: Callable[[dict], str | None] | None = None,
        error_text: Callable[[str, Mapping[str, str]], str] | None = None,
    ) -> None:
        self.faults = faults or FaultPlan()
        self.error_text = error_text  # (fault kind, request headers) -> the error body's message
        self.replies = replies
        self._queued: deque[str] = deque()
        self.latency_s = latency_s
        self.retry_after_s = retry_after_s
        self.slow_s = slow_s
        self.output_tokens = output_tokens
        self.rate_limit_requests = rate_limit_requests
        self._lock = threading.Condition()
        self._log: list[RequestRecord] = []
        self._next_index = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeMessagesAPI:
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-anthropic", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_open_connections()
            self._server.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeMessagesAPI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("start the server first (use it as a context manager)")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def enqueue(self, *texts: str) -> None:
        """Answer the next successful requests with these texts, in order (before ``replies``)."""
        with self._lock:
            self._queued.extend(texts)

    def _reply_text(self, body: dict) -> str | None:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
        return self.replies(body) if self.replies is not None else None

    # -- the request log -------------------------------------------------------------------
    @property
    def log(self) -> list[RequestRecord]:
        """Every request so far, by arrival; waits (up to 5 s) for requests still being answered."""
        self.wait_idle(5.0)
        with self._lock:
            return sorted(self._log, key=lambda r: r.arrived)

    def outcomes(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.log:
            counts[record.outcome] = counts.get(record.outcome, 0) + 1
        return counts

    def max_in_window(self, window_s: float) -> int:
        """Most requests that arrived within any half-open window [t, t + window_s)."""
        times = [r.arrived for r in self.log]
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _claim_index(self) -> int:
        with self._lock:
            index = self._next_index
            self._next_index += 1
            return index

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)
            self._lock.notify_all()

    @property
    def requests_seen(self) -> int:
        """Requests that have arrived, including any still being answered."""
        with self._lock:
            return self._next_index

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Wait until every arrived request has been answered (slow ones included) and logged."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self._log) >= self._next_index, timeout=timeout_s)

    # -- HTTP ------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes; no 40 ms delayed-ACK stall

            def log_message(self, format, *args):  # keep test output clean
                pass

            def do_POST(self) -> None:
                arrived = time.monotonic()
                index = api._claim_index()
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                kind = api.faults.fault_for(index) if self.path.startswith("/v1/messages") else "not_found"
                status = api._respond(self, kind, body)
                api._record(RequestRecord(
                    index=index, arrived=arrived, finished=time.monotonic(), outcome=kind or "ok", status=status,
                    model=body.get("model"),
                    api_key_seen=bool(self.headers.get("x-api-key") or self.headers.get("authorization")),
                    sdk_retry_count=self.headers.get("x-stainless-retry-count"),
                ))

        return Handler

    def _respond(self, handler: BaseHTTPRequestHandler, kind: str | None, body: dict) -> int:
        if self.latency_s:
            self._stopping.wait(self.latency_s)
        if kind == "not_found":
            return self._send_json(handler, 404, _error("not_found_error", "unknown path"))
        if kind == "drop":
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return 0
        if kind == "slow":
            self._stopping.wait(self.slow_s)
        if kind == "malformed":
            return self._send_raw(handler, 200, b'{"id": "msg_broken", "content": [', "application/json")
        if kind in ("rate_limited", "overloaded", "server_error", "bad_request", "unauthorized"):
            status, error_type = FAULT_KINDS[kind]
            headers = {"retry-after": f"{self.retry_after_s:g}"} if kind in ("rate_limited", "overloaded") else {}
            text = self.error_text(kind, handler.headers) if self.error_text else f"injected {kind}"
            return self._send_json(handler, status, _error(error_type, text), headers)
        return self._send_json(handler, 200, self._message(body), self._rate_headers())

    def _message(self, body: dict) -> dict:
        messages = body.get("messages") or []
        chars = sum(len(m.get("content", "")) if isinstance(m.get("content"), str) else 0 for m in messages)
        chars += len(body.get("system") or "") if isinstance(body.get("system"), str) else 0
        max_tokens = int(body.get("max_tokens") or 1)
        scripted = self._reply_text(body)
        out = max(1, min(max_tokens, self.output_tokens if scripted is None else math.ceil(len(scripted) / 4)))
        text = " ".join(["ok"] * out) if scripted is None else scripted
        return {
            "id": f"msg_fake_{random.getrandbits(48):012x}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "unknown"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "max_tokens" if out == max_tokens else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": max(1, math.ceil(chars / 4)), "output_tokens": out},
        }

    def _rate_headers(self) -> dict[str, str]:
        return {
            "anthropic-ratelimit-requests-limit": str(self.rate_limit_requests),
            "anthropic-ratelimit-requests-remaining": str(self.rate_limit_requests - 1),
            "anthropic-ratelimit-requests-reset": "1970-01-01T00:01:00Z",
            "anthropic-ratelimit-tokens-limit": "100000",
            "anthropic-ratelimit-tokens-remaining": "99000",
        }

    def _send_json(self, handler, status: int, payload: dict, headers: Mapping[str, str] | None = None) -> int:
        return self._send_raw(handler, status, json.dumps(payload).encode(), "application/json", headers)

    def _send_raw(self, handler, status, data: bytes, content_type: str, headers=None) -> int:
        try:
            handler.send_response(status)
            handler.send_header("content-type", content_type)
            handler.send_header("content-length", str(len(data)))
            handler.send_header("request-id", f"req_fake_{random.getrandbits(32):08x}")
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:  # the client gave up (timeout) and closed the socket
            handler.close_connection = True
        return status


def _error(error_type: str, message: str) -> dict:
    return {"type": "error", "error": {"type": error_type, "message": message}}
