"""Where the project lives: the one place that knows the repository root.

Shipped configs, sample data and models are found relative to it, so a command run from another
working directory still finds `data/models/tiny-reasoner` or `configs/fusion`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROJECT_ROOT", "project_path"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def project_path(path: str | Path) -> Path:
    """An absolute path as given; a relative one from the working directory when it exists there,
    else from the project root (where the shipped files are)."""
    candidate = Path(path).expanduser()
    if candidate.is_absolute() or candidate.exists():
        return candidate
    shipped = PROJECT_ROOT / candidate
    return shipped if shipped.exists() else candidate
