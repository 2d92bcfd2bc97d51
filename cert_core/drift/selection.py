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


def rules_regex(rules: list[str], *, names: bool = False) -> re.Pattern[str] | None:
    """One regex for a list of rules, each matching a path's last parts (``names``: a bare file name)."""
    if not rules:
        return None
    return re.compile(("" if names else "(?:.*/)?") + "(?:" + "|".join(glob_regex(r).pattern for r in rules) + ")")


@dataclass(frozen=True)
class WatchRoot:
    """Where a pattern's walk starts: the pattern's leading parts without glob characters."""

    pattern: str  # relative to its base (the project root, or the state dir)
    in_state_dir: bool
    base: str  # relative folder to walk ("" = the base itself)
    max_depth: int | None  # folders below the base a pattern without ** can reach
    regex: re.Pattern[str]


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
            self.roots.append(WatchRoot(pattern, in_state, "/".join(fixed), depth, glob_regex(pattern)))
        include = [r.pattern for r in monitoring.inclusion_rules]
        exclude = [r.pattern for r in monitoring.exclusion_rules]
        # Rules without '/' look at the file name only, all in one match: included and not excluded.
        include_names = [r for r in include if "/" not in r]
        exclude_names = [r for r in exclude if "/" not in r]
        not_excluded = f"(?!(?:{'|'.join(glob_regex(r).pattern for r in exclude_names)}))" if exclude_names else ""
        any_name = "[^/]*\\Z" if not include else "(?!)"  # no inclusion rules: every name is in
        names = "|".join(glob_regex(r).pattern for r in include_names) or any_name
        self._name_ok = re.compile(not_excluded + "(?:" + names + ")")
        self._exclude_names = rules_regex(exclude_names, names=True)
        self._include_paths = rules_regex([r for r in include if "/" in r])
        self._exclude_paths = rules_regex([r for r in exclude if "/" in r])
        self._exclude_dirs = rules_regex([r for r in exclude if r.endswith("/**")])
        # Without path inclusion rules (nothing to rescue a name the rules refuse), each root's whole
        # decision is one regex: one match per file instead of three on an incremental scan.
        self._one_match: dict[str, re.Pattern[str]] | None = None
        if self._include_paths is None:
            not_excluded = f"(?!{self._exclude_paths.pattern})" if self._exclude_paths else ""
            self._one_match = {r.pattern: re.compile(f"(?={r.regex.pattern}){not_excluded}(?:.*/)?(?=[^/]*\\Z)"
                                                     f"(?:{self._name_ok.pattern})") for r in self.roots}

    def excluded_dir(self, relpath: str) -> bool:
        """A folder whose every file would be excluded ("name/**") is not walked at all."""
        return bool(self._exclude_dirs and self._exclude_dirs.match(relpath + "/x"))

    def selected(self, root: WatchRoot, relpath: str, name: str | None = None) -> bool:
        """``relpath`` is relative to the root's base (project or state dir); ``name`` its last part."""
        if self._one_match is not None:
            return self._one_match[root.pattern].match(relpath) is not None
        return self.selected_by_rules(root, relpath, name)

    def selected_by_rules(self, root: WatchRoot, relpath: str, name: str | None = None) -> bool:
        """The rules applied one by one (what the one-regex form must agree with)."""
        if not root.regex.match(relpath):
            return False
        name = name if name is not None else relpath.rsplit("/", 1)[-1]
        if not self._name_ok.match(name):
            # not included by name, or excluded by name; a path inclusion rescues only the former
            if not (self._include_paths and self._include_paths.match(relpath)):
                return False
            if self._exclude_names and self._exclude_names.match(name):
                return False
        return not (self._exclude_paths and self._exclude_paths.match(relpath))
