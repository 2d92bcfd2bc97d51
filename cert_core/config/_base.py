"""Shared pydantic base classes for config sections."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class Section(BaseModel):
    """A typed config section that keeps the seed's free-form keys it does not read."""

    model_config = ConfigDict(extra="allow", frozen=True)


class StrictSection(BaseModel):
    """A section whose keys are all read by the code: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_safe_name(name: str, what: str = "name") -> str:
    """Names become file names (overlays, breakers): no path parts, no surprises."""
    if not SAFE_NAME.match(name):
        raise ValueError(
            f"{what} {name!r} must be lower-case letters, digits, '_' or '-' (no path parts such as '/' or '..')"
        )
    return name
