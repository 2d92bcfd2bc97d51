"""Files only their owner may read: the state directory, the drift manifest, the budget ledger.

Created with restrictive modes from the start (never created open and narrowed later), and written
atomically: a temp file in the same folder, fsynced, then renamed over the old one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["PRIVATE_DIR_MODE", "PRIVATE_FILE_MODE", "ensure_private_dir", "touch_private", "write_private_atomic"]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder of ours is narrowed to 0700."""
    folder = Path(path)
    folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if (folder.stat().st_mode & 0o777) != PRIVATE_DIR_MODE:
        os.chmod(folder, PRIVATE_DIR_MODE)
    return folder


def touch_private(path: str | Path) -> Path:
    """Create an empty 0600 file when missing (so a library that opens it later keeps that mode)."""
    target = Path(path)
    ensure_private_dir(target.parent)
    fd = os.open(target, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE)
    os.close(fd)
    os.chmod(target, PRIVATE_FILE_MODE)
    return target


def write_private_atomic(path: str | Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically; the file is 0600 (mkstemp's mode) from its first byte."""
    target = Path(path)
    ensure_private_dir(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # makes the rename durable; not available everywhere
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target
