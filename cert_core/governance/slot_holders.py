"""SlotHolderRegistry: which local process holds which concurrency-slot lease, so a dead one's slots come back.

Each held lease is one small JSON file named after its lease id, written when the slots are granted
and removed when they are released. A file whose process is gone (no such pid, a zombie, or another
process under the same pid: its start time differs) or whose lease has expired belongs to nobody:
`stale()` lists it, the caller releases the lease on the API and `forget()`s the file. The lease
itself still expires on its own on a standalone Prefect server; the registry makes the reclaim
immediate, and makes it happen at all on the ephemeral API, which runs no lease repossessor.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["SlotHold", "SlotHolderRegistry", "process_alive", "process_start_token"]


def process_start_token(pid: int) -> str | None:
    """The kernel's start time of a process (field 22 of /proc/pid/stat), None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def process_alive(pid: int, start_token: str | None = None) -> bool:
    """True while the process runs (a zombie is dead); with a start token, only that very process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust the signal check
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return False
    return start_token is None or fields[19] == start_token


@dataclass(frozen=True)
class SlotHold:
    lease_id: str
    names: tuple[str, ...]
    slots: int
    api: str  # where the lease lives: "ephemeral" or the API URL
    pid: int
    pid_start: str | None
    host: str
    acquired_at: float  # epoch seconds
    expires_at: float

    def alive(self) -> bool:
        return self.host == socket.gethostname() and process_alive(self.pid, self.pid_start)

    def age_s(self, now: float | None = None) -> float:
        return max(0.0, (now if now is not None else time.time()) - self.acquired_at)


class SlotHolderRegistry:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def record(self, lease_id: str, names: list[str] | tuple[str, ...], slots: int, api: str,
               lease_s: float, now: float | None = None) -> SlotHold:
        now = time.time() if now is None else now
        pid = os.getpid()
        hold = SlotHold(str(lease_id), tuple(names), slots, api, pid, process_start_token(pid), socket.gethostname(),
                        now, now + lease_s)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".hold-", suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(hold), fh)
        os.replace(tmp, self._path(hold.lease_id))  # readers see the whole file or none
        return hold

    def forget(self, lease_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(str(lease_id)).unlink()

    def holds(self) -> list[SlotHold]:
        found = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else ():
            try:
                raw = json.loads(path.read_text())
                found.append(SlotHold(**{**raw, "names": tuple(raw["names"])}))
            except (OSError, ValueError, TypeError, KeyError):
                continue  # being written, or not ours: never a reason to fail a run
        return found

    def stale(self, api: str, now: float | None = None) -> list[SlotHold]:
        """Holds on `api` whose process on this host is gone, or whose lease has expired."""
        now = time.time() if now is None else now
        host = socket.gethostname()
        return [h for h in self.holds()
                if h.api == api and ((h.host == host and not h.alive()) or h.expires_at <= now)]

    def _path(self, lease_id: str) -> Path:
        return self.folder / f"{lease_id}.json"
