"""Per-process resources: what a task needs that is costly to build (a model, a ledger engine,
breakers, an HTTP client), built on first use in whichever process runs the task.

Tasks hold no state between task runs. Instead they ask for a resource by the key that defines
it, for example ``("fusion", config_version, backend, model)``: the first task run in a process
builds it, later ones (threads included) reuse it. The same flow therefore runs on a thread
pool, on processes or on Dask workers, each process building its own copy.

- One build per key per process, even when threads ask at once (a lock per key).
- A forked child starts with an empty registry: the parent's connections are not shared.
- At most ``max_per_kind`` resources per kind (the key's first element); the least recently used
  is closed when a new one arrives, so a long-lived worker does not grow with every config change.
- Everything still open is closed at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import InvalidInputError
from .observability import get_logger

__all__ = ["process_resource", "release_process_resources"]

T = TypeVar("T")
log = get_logger("cert.resources")


@dataclass
class _Entry:
    value: Any
    close: Callable[[Any], None] | None


class _Registry:
    def __init__(self, max_per_kind: int = 4) -> None:
        self.max_per_kind = max_per_kind
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._building: dict[tuple, threading.Lock] = {}

    def _check_fork(self) -> None:
        if os.getpid() != self._pid:  # a forked child: drop (never close) the parent's objects
            self._pid = os.getpid()
            self._entries.clear()
            self._building.clear()

    def get(self, key: tuple, build: Callable[[], T], close: Callable[[T], None] | None) -> T:
        with self._lock:
            self._check_fork()
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry.value
            build_lock = self._building.setdefault(key, threading.Lock())
        with build_lock:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    return entry.value
            value = build()  # outside the registry lock: other keys build meanwhile
            with self._lock:
                self._entries[key] = _Entry(value, close)
                self._building.pop(key, None)
                evicted = self._evict(key[0])
        for old_key, old in evicted:
            _close(old_key, old)
        return value

    def _evict(self, kind: Hashable) -> list[tuple[tuple, _Entry]]:
        same_kind = [k for k in self._entries if k[0] == kind]
        evicted = []
        for key in same_kind[: max(0, len(same_kind) - self.max_per_kind)]:
            evicted.append((key, self._entries.pop(key)))
        return evicted

    def release(self, kind: Hashable | None) -> int:
        with self._lock:
            self._check_fork()
            keys = [k for k in self._entries if kind is None or k[0] == kind]
            released = [(k, self._entries.pop(k)) for k in keys]
        for key, entry in released:
            _close(key, entry)
        return len(released)


def _close(key: tuple, entry: _Entry) -> None:
    if entry.close is None:
        return
    try:
        entry.close(entry.value)
    except Exception as exc:  # closing is best effort; a failure must not hide the caller's work
        log.warning("closing a process resource failed", extra={"resource": str(key[0]), "error": repr(exc)})


_REGISTRY = _Registry()
atexit.register(_REGISTRY.release, None)


def process_resource(key: tuple, build: Callable[[], T], *, close: Callable[[T], None] | None = None) -> T:
    """This process's resource for ``key`` (a tuple whose first element names the kind),
    built by ``build()`` on first use. ``close(resource)`` runs on eviction, release and exit."""
    if not isinstance(key, tuple) or not key:
        raise InvalidInputError(f"a resource key is a non-empty tuple such as ('fusion', config_version), got {key!r}")
    try:
        hash(key)
    except TypeError as exc:
        raise InvalidInputError(f"a resource key must be hashable (strings, numbers, tuples), got {key!r}") from exc
    return _REGISTRY.get(key, build, close)


def release_process_resources(kind: Hashable | None = None) -> int:
    """Close and forget this process's resources of ``kind`` (all when None); returns how many."""
    return _REGISTRY.release(kind)
