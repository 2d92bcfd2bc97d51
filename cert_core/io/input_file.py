"""Open a user's input file safely: it must be a regular file, and a symlink is followed only when
its target stays inside the project or the folder the link is in (so a link to a system file is
never read, and its lines never reach scenario_rejects.raw)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from ..errors import InvalidInputError
from ..paths import PROJECT_ROOT

__all__ = ["check_input_path", "open_input"]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_input_path(path: str | Path, what: str = "input file", hint: str = "") -> Path:
    """The path, checked: exists, is a regular file, and any symlink stays in bounds."""
    path = Path(path)
    suffix = f"; {hint}" if hint else ""
    if not os.path.lexists(path):
        raise InvalidInputError(f"{what} {path} does not exist{suffix}", context={"path": str(path)})
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{what} {path} is a symlink whose target does not exist{suffix}",
                                context={"path": str(path)}) from exc
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise InvalidInputError(f"{what} {path} cannot be resolved ({exc}){suffix}", context={"path": str(path)}) from exc
    if real != path.absolute():
        allowed = (PROJECT_ROOT.resolve(), path.absolute().parent.resolve())
        if not any(_inside(real, folder) for folder in allowed):
            raise InvalidInputError(
                f"{what} {path} is a symlink to {real}, outside the project and the link's folder; it is not "
                "followed. Copy the file next to the link, or pass its real path",
                context={"path": str(path)},
            )
    try:
        mode = real.stat().st_mode
    except OSError as exc:
        raise InvalidInputError(f"{what} {path} cannot be read ({exc.strerror or exc})", context={"path": str(path)}) from exc
    if stat.S_ISDIR(mode):
        raise InvalidInputError(f"{what} {path} is a folder, not a file{suffix}", context={"path": str(path)})
    if not stat.S_ISREG(mode):
        raise InvalidInputError(f"{what} {path} is not a regular file (a device, pipe or socket){suffix}",
                                context={"path": str(path)})
    return real


def open_input(path: str | Path, what: str = "input file", hint: str = "") -> BinaryIO:
    """Open a checked input file for binary reading; every failure is an InvalidInputError."""
    real = check_input_path(path, what, hint)
    try:
        return real.open("rb")
    except PermissionError as exc:
        raise InvalidInputError(f"{what} {path} cannot be read (permission denied); check its permissions",
                                context={"path": str(path)}) from exc
    except OSError as exc:
        raise InvalidInputError(f"{what} {path} cannot be read ({exc.strerror or exc})", context={"path": str(path)}) from exc
