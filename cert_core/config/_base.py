"""Shared pydantic base classes for config sections."""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import InvalidInputError

SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class Section(BaseModel):
    """A typed config section that keeps the seed's free-form keys it does not read."""

    model_config = ConfigDict(extra="allow", frozen=True)

    def with_overrides(self, **overrides: Any) -> Self:
        """This section with per-run overrides (None means "keep the configured value"), validated
        by the same rules as the YAML, so a flow parameter cannot slip past a range check."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        if not changes:
            return self
        try:
            return self.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise InvalidInputError(f"invalid override for {type(self).__name__}: {problems}") from exc


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
