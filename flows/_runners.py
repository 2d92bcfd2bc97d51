"""The task runners a flow's `task_runner` parameter names (kept free of Prefect imports, so the
CLI can offer them as choices before Prefect is configured for a terminal)."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["RUNNERS", "RunnerName"]

RunnerName = Literal["thread", "dask"]
RUNNERS: tuple[str, ...] = get_args(RunnerName)
