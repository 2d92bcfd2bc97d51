"""Shared benchmark plumbing: the repo on sys.path (on import), an isolated Prefect home, JSON output."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from cert_core.paths import PROJECT_ROOT

# benchmarks import tests.support and scripts, which are not installed packages
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))


def setup(isolated_prefect: bool = True) -> Path:
    """Give Prefect a throwaway home (by default). Returns a temp dir."""
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


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Unlike ru_maxrss it does not carry over the parent's peak
    through fork and exec, so a side run in its own process reports only its own memory."""
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
