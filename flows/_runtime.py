"""Small helpers every flow uses: the run id, default folders, chunking."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

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
