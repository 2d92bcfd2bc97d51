"""A stop request for the current process: SIGTERM or Ctrl-C ends a run promptly and keeps its rows.

The first signal only asks to stop: no new LLM call starts (each becomes an error row with
`StopRequested`), calls already in flight finish within their timeout, and the flow writes what it
has. A second signal aborts at once. Process-wide on purpose: a signal is delivered to a process.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import StopRequested
from .observability import get_logger

__all__ = ["check_stop", "clear_stop", "request_stop", "stop_on_signals", "stop_requested"]

log = get_logger(__name__)
_STOP = threading.Event()
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def request_stop() -> None:
    _STOP.set()


def clear_stop() -> None:
    _STOP.clear()


def stop_requested() -> bool:
    return _STOP.is_set()


def check_stop() -> None:
    """Raise StopRequested once a stop was asked for; call it before starting costly work."""
    if _STOP.is_set():
        raise StopRequested("the run was asked to stop (SIGTERM or Ctrl-C); this item was not processed")


def _on_signal(signum: int, _frame) -> None:
    if _STOP.is_set():
        raise KeyboardInterrupt  # the second signal: abort now
    _STOP.set()
    log.warning("stop requested (%s): no new LLM calls start, calls in flight finish, the rows done are "
                "written; send it again to abort", signal.Signals(signum).name)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT request a stop (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _on_signal) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
