"""The LLM backend names, defined once: llm.yaml's `backend`, the factory and `cert fuse --backend` read them.

A new backend adds its name here, a `BaseBackend` subclass and a builder in factory.py.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = ["AUTO", "BACKEND_CHOICES", "BackendName", "BackendRequest"]


class BackendName(StrEnum):
    """A backend that answers calls; the value is what Parquet rows and metrics carry."""

    ANTHROPIC = "anthropic"
    LOCAL = "local"
    SIMULATED = "simulated"


AUTO = "auto"  # not a backend: "pick one and say why" (factory.select_backend)
BACKEND_CHOICES: tuple[str, ...] = (AUTO, *(name.value for name in BackendName))
BackendRequest = Literal[BACKEND_CHOICES]  # type: ignore[valid-type]  # what config and the CLI accept
