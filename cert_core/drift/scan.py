"""The file scan: find the watched files, hash what may have changed, compare with the baseline.

Incremental: a file whose size, mtime_ns and inode match the baseline is not read. A modification
that only touches whitespace or comments (normalize.py) is not drift when the policy says so; one
below `minimum_change_size_bytes` is minor (sensitivity medium: reported, classified as a plain
change; low: not reported; high: the rule is off). A deep scan
reads and hashes every file, which catches a content change that kept its size and mtime.
Symlinks are never followed out of the project root (or the state dir, for state files), and
symlinked folders are never walked. A file that cannot be read is reported and keeps its
baseline entry; nothing here raises for one bad file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

from ..config.drift_policy import DetectionThresholds, FileMonitoring
from ..statuses import ChangeType
from .config_diff import diff_params, flatten
from .manifest import FileEntry, Manifest
from .normalize import normal_hash
from .selection import STATE_DIR_PREFIX, FileSelector, WatchRoot
from .types import FileChange, ParamChange

__all__ = ["FileScan", "discover", "scan_files"]

_CONFIG_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileScan:
    manifest: Manifest  # the next baseline
    changes: tuple[FileChange, ...]  # changes and problems, in path order
    param_changes: tuple[ParamChange, ...]
    files_scanned: int
    files_hashed: int


def _open(path: str) -> IO[bytes]:
    return open(path, "rb")  # one seam, so a test can make a file unreadable when running as root


def _inside(path: str, boundary: str) -> bool:
    return path == boundary or path.startswith(boundary.rstrip(os.sep) + os.sep)


def discover(selector: FileSelector, root: Path, state_dir: Path) -> tuple[dict[str, str], list[FileChange]]:
    """The watched files (key -> path) and the problems met on the way (symlinks out, unreadable folders)."""
    found: dict[str, str] = {}
    problems: dict[str, FileChange] = {}
    for watch in selector.roots:
        base = state_dir if watch.in_state_dir else root
        prefix = STATE_DIR_PREFIX if watch.in_state_dir else ""
        _walk(selector, watch, base, os.path.realpath(base), prefix, found, problems)
    return found, [problems[k] for k in sorted(problems)]


def _walk(selector: FileSelector, watch: WatchRoot, base: Path, boundary: str, prefix: str,
          found: dict[str, str], problems: dict[str, FileChange]) -> None:
    start = base / watch.base if watch.base else base
    if not start.is_dir() or start.is_symlink():
        return
    stack: list[tuple[str | Path, str, int]] = [(start, watch.base, 0)]
    while stack:
        folder, rel_folder, depth = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError as exc:
            key = prefix + rel_folder
            problems[key] = FileChange(key, ChangeType.UNREADABLE, detail=f"folder cannot be listed: {exc.strerror}")
            continue
        with listing:
            for entry in listing:  # one entry at a time: no list of 10,000 objects for the collector
                if entry.is_file(follow_symlinks=False):  # the common case, inline: a plain file
                    rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
                    if selector.selected(watch, rel, entry.name):
                        found[prefix + rel] = entry.path
                    continue
                _visit(selector, watch, boundary, prefix, entry, rel_folder, depth, stack, found, problems)


def _visit(selector: FileSelector, watch: WatchRoot, boundary: str, prefix: str, entry: os.DirEntry,
           rel_folder: str, depth: int, stack: list, found: dict[str, str], problems: dict[str, FileChange]) -> None:
    rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
    key = prefix + rel
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if os.path.isdir(entry.path):
            if not _inside(target, boundary) and not selector.excluded_dir(rel):
                problems[key] = FileChange(key, ChangeType.SYMLINK_OUTSIDE_ROOT,
                                           detail="symlinked folder points outside the root; not followed")
            return  # symlinked folders are never walked
        if not selector.selected(watch, rel, entry.name):
            return
        if not os.path.exists(entry.path):
            problems[key] = FileChange(key, ChangeType.UNREADABLE, detail="broken symlink")
        elif not _inside(target, boundary):
            problems[key] = FileChange(key, ChangeType.SYMLINK_OUTSIDE_ROOT,
                                       detail="symlink points outside the root; not followed")
        else:
            found[key] = entry.path
    elif entry.is_dir(follow_symlinks=False):
        if (watch.max_depth is None or depth < watch.max_depth) and not selector.excluded_dir(rel):
            stack.append((entry.path, rel, depth + 1))
    elif selector.selected(watch, rel, entry.name):  # plain files never get here (_walk takes them)
        problems[key] = FileChange(key, ChangeType.UNREADABLE, detail="not a regular file")


@dataclass(frozen=True)
class _Read:
    entry: FileEntry
    corrupt_state: str | None  # a watched JSON state file that does not parse


def _read(path: str, st: os.stat_result, key: str, monitoring: FileMonitoring,
          versions: list[tuple[re.Pattern[str], int]], thresholds: DetectionThresholds) -> _Read:
    with _open(path) as handle:
        if st.st_size <= monitoring.max_versioned_file_bytes:
            data = handle.read()
            digest = hashlib.sha256(data).hexdigest()
        else:
            data, digest = None, hashlib.file_digest(handle, "sha256").hexdigest()
    found_versions: dict[str, str] = {}
    params = None
    corrupt = None
    norm = None
    if data is not None:
        text = data.decode("utf-8", errors="replace")
        norm = normal_hash(key, text, whitespace=thresholds.ignore_whitespace_changes,
                           comments=thresholds.ignore_comment_changes)
        for i, (pattern, group) in enumerate(versions):
            match = pattern.search(text)
            if match:
                found_versions[str(i)] = match.group(group)
        if key.endswith(_CONFIG_SUFFIXES):
            try:
                params = flatten(yaml.safe_load(text) or {})
            except yaml.YAMLError:
                params = None  # reported by `cert config validate`; here the hash still tracks it
        elif key.endswith(".json"):
            try:
                json.loads(text)
            except ValueError as exc:
                corrupt = f"does not parse as JSON: {exc}"
    entry = FileEntry(st.st_size, st.st_mtime_ns, st.st_ino, digest, found_versions, params, norm)
    return _Read(entry, corrupt)


def _version_pair(old: FileEntry | None, new: FileEntry | None) -> tuple[str | None, str | None]:
    old_v, new_v = (old.versions if old else {}), (new.versions if new else {})
    for index in sorted(set(old_v) | set(new_v)):
        if old_v.get(index) != new_v.get(index):
            return old_v.get(index), new_v.get(index)
    return None, None


def _below_sensitivity(prev: FileEntry, entry: FileEntry, substantive: bool, thresholds: DetectionThresholds) -> str:
    """Why a modification is minor ("" when it is not): its size moved by less than
    minimum_change_size_bytes and it changed no version and no parameter. Sensitivity high: never minor."""
    delta = entry.size - prev.size
    if substantive or thresholds.file_change_sensitivity == "high" or abs(delta) >= thresholds.minimum_change_size_bytes:
        return ""
    return f"minor: size {delta:+d} bytes, under minimum_change_size_bytes ({thresholds.minimum_change_size_bytes})"


def scan_files(
    found: dict[str, str],
    problems: list[FileChange],
    baseline: Manifest | None,
    *,
    deep: bool,
    monitoring: FileMonitoring,
    thresholds: DetectionThresholds,
) -> FileScan:
    """Compare ``found`` with ``baseline`` (None: build a baseline, report nothing but problems)."""
    versions = [(re.compile(v.pattern), v.group) for v in thresholds.version_change_patterns]
    old = baseline if baseline is not None else Manifest()
    index, sizes, mtimes, inodes = old.index, old.sizes, old.mtimes, old.inodes
    nxt = Manifest()
    unchanged: list[int] = []  # rows copied column-wise at the end
    changes: list[FileChange] = list(problems)
    params: list[ParamChange] = []
    hashed = 0
    for key, path in found.items():  # the hot loop of an incremental scan: one stat per file
        i = index.get(key)
        try:
            st = os.stat(path)
            if (i is not None and not deep and sizes[i] == st.st_size and mtimes[i] == st.st_mtime_ns
                    and inodes[i] == st.st_ino):
                unchanged.append(i)
                continue
            read = _read(path, st, key, monitoring, versions, thresholds)
        except OSError as exc:
            changes.append(FileChange(key, ChangeType.UNREADABLE, detail=f"cannot be read: {exc.strerror or exc}"))
            if i is not None:
                unchanged.append(i)  # unknown is not deleted
            continue
        hashed += 1
        entry = read.entry
        prev = old.entry(key)
        if read.corrupt_state:
            changes.append(FileChange(key, ChangeType.STATE_CORRUPT, prev.sha256 if prev else None, entry.sha256,
                                      detail=read.corrupt_state))
        if baseline is None:
            nxt.add(key, entry)
            continue
        if prev is None:
            changes.append(FileChange(key, ChangeType.ADDED, None, entry.sha256, *_version_pair(None, entry)))
        elif prev.sha256 != entry.sha256 and key.startswith(STATE_DIR_PREFIX):
            pass  # state files change as the system runs: only corruption (above) is drift
        elif prev.sha256 != entry.sha256 and entry.norm is not None and entry.norm == prev.norm:
            pass  # only whitespace or comments changed (ignore_*_changes): not drift
        elif prev.sha256 != entry.sha256:
            old_version, new_version = _version_pair(prev, entry)
            moved: list[ParamChange] = []
            if prev.params is not None and entry.params is not None:
                moved, kept = diff_params(key, prev.params, entry.params, thresholds.config_change_thresholds)
                entry = entry._replace(params=kept)
                if not moved and old_version == new_version:
                    nxt.add(key, entry)  # every parameter within tolerance: not drift
                    continue
                params.extend(moved)
            minor = _below_sensitivity(prev, entry, bool(moved) or old_version != new_version, thresholds)
            if minor and thresholds.file_change_sensitivity == "low":
                nxt.add(key, prev)  # not reported; the baseline keeps the old file, so small edits add up
                continue
            changes.append(FileChange(key, ChangeType.MODIFIED, prev.sha256, entry.sha256, old_version, new_version,
                                      detail=minor or "", minor=bool(minor)))
        nxt.add(key, entry)
    nxt.take_rows(old, unchanged)
    problem_keys = {c.file_path for c in changes if c.is_problem}
    for key in sorted(set(index) - set(found) - problem_keys):
        gone = old.entry(key)
        changes.append(FileChange(key, ChangeType.DELETED, gone.sha256, None, *_version_pair(gone, None)))
    changes.sort(key=lambda c: c.file_path)
    return FileScan(nxt, tuple(changes), tuple(params), len(found), hashed)
