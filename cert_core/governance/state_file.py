"""A small JSON state file shared by processes: locked read-modify-write, atomic replace.

Every update runs under an exclusive `filelock` lock and writes a temp file in the same folder,
fsyncs it and `os.replace`s it over the old one, so readers and a writer killed at any instant
only ever see a complete file. A file that does not parse anyway (edited by hand, disk trouble),
or whose content fails the caller's typed model (`validate`), raises `CorruptStateError` and is
left in place: every process then sees the same problem, and the caller fails closed until an
operator calls `replace` (which moves the bad file aside to `<name>.corrupt-<timestamp>`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..errors import CorruptStateError, ResourceError
from ..io.private import ensure_private_dir
from ..observability import get_logger

log = get_logger(__name__)

State = dict[str, Any]


class JsonStateFile:
    """`update(fn)` applies fn to the current state under the lock and persists the result."""

    def __init__(self, path: str | Path, lock_timeout_s: float = 30.0,
                 validate: Callable[[State], State] | None = None) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self.validate = validate  # the typed model: returns the state, raises ValueError/TypeError when wrong
        self._lock = FileLock(str(self.path) + ".lock", timeout=lock_timeout_s)
        self.last_quarantined: Path | None = None  # where `replace` moved a corrupt file

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            ensure_private_dir(self.path.parent)  # the state dir: readable by its owner only
            with self._lock:
                yield
        except Timeout as exc:  # before OSError: filelock's Timeout is a TimeoutError
            raise ResourceError(
                f"state file {self.path} stayed locked for {self.lock_timeout_s:.0f} s by another process; "
                "wait for it to finish or raise lock_timeout_s",
                context={"path": str(self.path)},
            ) from exc
        except OSError as exc:
            raise ResourceError(
                f"state file {self.path} cannot be used ({exc.strerror or exc}); make its folder writable "
                "(CERT_STATE_DIR)",
                context={"path": str(self.path)},
            ) from exc

    def read(self) -> State | None:
        """The current state (None when there is no file). Takes the lock so a reader never races a repair."""
        with self._locked():
            return self._load()

    def update(self, fn: Callable[[State | None], State]) -> State:
        with self._locked():
            new_state = fn(self._load())
            self._write(new_state)
            return new_state

    def _load(self) -> State | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ResourceError(f"state file {self.path} cannot be read ({exc.strerror})") from exc
        parsed: Any = None
        try:
            parsed = json.loads(raw.decode("utf-8"))
            if not isinstance(parsed, dict):
                raise ValueError(f"expected a JSON object, got {type(parsed).__name__}")
            return self.validate(parsed) if self.validate is not None else parsed
        except (UnicodeDecodeError, ValueError, TypeError, RecursionError) as exc:
            # pydantic's ValidationError is a ValueError; RecursionError: a file nested absurdly deep
            errors = getattr(exc, "errors", None)  # pydantic: one "field: what is wrong (got x)" per error
            problem = ("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})"
                                 for e in errors()[:5]) if callable(errors) else " ".join(str(exc).split()))[:300]
            raise CorruptStateError(
                f"state file {self.path} is corrupt ({type(exc).__name__}: {problem}); fix or reset it "
                "(`cert tripwire reset` for the tripwire state)",
                context={"path": str(self.path), "parsed": parsed if isinstance(parsed, dict) else None},
            ) from exc

    def replace(self, state: State) -> State:
        """Write `state` whatever the current file holds; a corrupt one is moved aside first. For operators."""
        with self._locked():
            try:
                self._load()
            except CorruptStateError as exc:
                target = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
                os.replace(self.path, target)
                self.last_quarantined = target
                log.warning("corrupt state file moved aside on reset",
                            extra={"path": str(self.path), "moved_to": str(target), "problem": exc.message})
            self._write(state)
            return state

    def _write(self, state: State) -> None:
        # Temp files left by a writer killed mid-write are stale: we hold the lock, nobody else writes.
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        data = json.dumps(state, sort_keys=True, indent=1).encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not available everywhere (Windows), where it is skipped.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
