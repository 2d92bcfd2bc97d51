"""Small helpers every flow uses: the run id, default folders, chunking."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from prefect.runtime import flow_run

from cert_core.config import get_settings

T = TypeVar("T")


def current_run_id() -> str:
    return str(flow_run.id or "adhoc")


def resolve_results_dir(results_dir: str | None) -> str:
    return str(Path(results_dir) if results_dir else get_settings().results_dir)


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
