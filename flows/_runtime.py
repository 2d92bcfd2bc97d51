"""Small helpers every flow uses: the run id, default folders, chunking."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.runtime import flow_run

from cert_core.config import get_settings
from cert_core.observability import configure_logging

T = TypeVar("T")


_logging_ready = threading.Event()


def start_run_logging() -> None:
    """Structured logs for cert_core (CERT_LOG_FORMAT json|human, CERT_LOG_LEVEL), once per process.

    Each line carries the flow run id as its correlation_id (set by the flow with `correlation_id`).
    """
    if not _logging_ready.is_set():
        settings = get_settings()
        configure_logging(settings.log_level, settings.log_format)
        _logging_ready.set()


def current_run_id() -> str:
    return str(flow_run.id or "adhoc")


def resolve_results_dir(results_dir: str | None) -> str:
    return str(Path(results_dir) if results_dir else get_settings().results_dir)


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class Progress:
    """A Prefect progress artifact updated at most once per ``min_interval_s`` (each update is an
    API round trip), and always at the end."""

    def __init__(self, key: str, description: str, total: int, min_interval_s: float = 1.0) -> None:
        self.total = max(1, total)
        self.min_interval_s = min_interval_s
        self._artifact = create_progress_artifact(0.0, key=key, description=description)
        self._last = time.monotonic()

    def advance(self, done: int) -> None:
        now = time.monotonic()
        if done >= self.total or now - self._last >= self.min_interval_s:
            update_progress_artifact(self._artifact, 100.0 * min(done, self.total) / self.total)
            self._last = now
