"""Shared benchmark plumbing: repo on sys.path, an isolated Prefect home, JSON output."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def setup(isolated_prefect: bool = True) -> Path:
    """Put the repo on sys.path and (by default) give Prefect a throwaway home. Returns a temp dir."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="cert-bench-"))
    if isolated_prefect:
        os.environ.setdefault("PREFECT_HOME", str(tmp / "prefect-home"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return tmp


def emit(figures: dict) -> None:
    """The last line of output is one JSON object of figures."""
    print(json.dumps(figures, sort_keys=False), flush=True)
