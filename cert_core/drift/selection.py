"""Which files are watched: watch patterns, then inclusion rules, then exclusion rules.

Patterns use '/' separators: ``*`` and ``?`` stay inside one path part, ``**`` spans folders. A
rule without '/' matches the file name; one with '/' matches any trailing run of path parts
(``__pycache__/**`` excludes every ``__pycache__`` folder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..config.drift_policy import FileMonitoring

__all__ = ["STATE_DIR_PREFIX", "FileSelector", "glob_regex"]

STATE_DIR_PREFIX = "{state_dir}/"
_GLOB_CHARS = set("*?[")


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def rules_regex(rules: list[str]) -> re.Pattern[str] | None:
    """One regex for a list of rules, each matching the path's last parts (a name rule: the file name)."""
    if not rules:
        return None
    return re.compile("(?:.*/)?(?:" + "|".join(glob_regex(r).pattern for r in rules) + ")")


@dataclass(frozen=True)
class WatchRoot:
    """Where a pattern's walk starts: the pattern's leading parts without glob characters."""

    pattern: str  # relative to its base (the project root, or the state dir)
    in_state_dir: bool
    base: str  # relative folder to walk ("" = the base itself)
    max_depth: int | None  # folders below the base a pattern without ** can reach


class FileSelector:
    def __init__(self, monitoring: FileMonitoring) -> None:
        self.roots: list[WatchRoot] = []
        for raw in monitoring.watch_patterns:
            in_state = raw.startswith(STATE_DIR_PREFIX)
            pattern = raw.removeprefix(STATE_DIR_PREFIX) if in_state else raw.removeprefix("./")
            parts = pattern.split("/")
            fixed = []
            for part in parts[:-1]:
                if _GLOB_CHARS & set(part):
                    break
                fixed.append(part)
            depth = None if "**" in pattern else len(parts) - 1 - len(fixed)
            self.roots.append(WatchRoot(pattern, in_state, "/".join(fixed), depth))
        self._include = rules_regex([r.pattern for r in monitoring.inclusion_rules])
        self._exclude = rules_regex([r.pattern for r in monitoring.exclusion_rules])
        self._exclude_dirs = rules_regex([r.pattern for r in monitoring.exclusion_rules if r.pattern.endswith("/**")])

    def excluded(self, relpath: str) -> bool:
        return bool(self._exclude and self._exclude.match(relpath))

    def excluded_dir(self, relpath: str) -> bool:
        """A folder whose every file would be excluded ("name/**") is not walked at all."""
        return bool(self._exclude_dirs and self._exclude_dirs.match(relpath + "/x"))

    def selected(self, root: WatchRoot, relpath: str) -> bool:
        """``relpath`` is relative to the root's base (project or state dir)."""
        if not glob_regex(root.pattern).match(relpath):
            return False
        if self._include and not self._include.match(relpath):
            return False
        return not self.excluded(relpath)
