"""The baseline manifest: what each watched file looked like at the last scan.

One JSON file under the state directory (``<state_dir>/drift/manifest.json``, 0600 in a 0700
folder), replaced atomically. A marker beside it, and one in the state dir outside the drift folder,
record that a baseline was made, so a manifest that later goes missing (even with its whole
folder) is told apart from a first scan.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import orjson  # several times faster than json for a 10,000-file manifest

from ..io.private import touch_private, write_private_atomic

__all__ = ["FileEntry", "Manifest", "ManifestState", "ManifestStore"]

MANIFEST_VERSION = 1


class FileEntry(NamedTuple):
    """One file as last seen; built only for files that are read (unchanged ones stay in columns)."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str
    versions: dict[str, str] = {}  # version pattern index -> value (never mutated)
    params: dict[str, Any] | None = None  # flattened YAML parameters (config files only)
    norm: str | None = None  # "<mode>:<sha256>" of the content without whitespace/comment noise (see normalize.py)


class Manifest:
    """The baseline as columns (keys, sizes, mtimes, inodes, hashes) plus sparse versions and
    parameters. An incremental scan compares stat columns and copies unchanged rows, so it makes
    no object per unchanged file (10,000 small objects a scan would cost more in garbage
    collection than the stat calls themselves)."""

    __slots__ = ("created_at", "index", "inodes", "keys", "mtimes", "norms", "params", "shas", "sizes", "versions")

    def __init__(self, created_at: float = 0.0) -> None:
        self.created_at = created_at
        self.keys: list[str] = []
        self.sizes: list[int] = []
        self.mtimes: list[int] = []
        self.inodes: list[int] = []
        self.shas: list[str] = []
        self.versions: dict[str, dict[str, str]] = {}
        self.params: dict[str, dict[str, Any]] = {}
        self.norms: dict[str, str] = {}  # only files whose type has a normal form (YAML, Python, markdown, overlays)
        self.index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def add(self, key: str, entry: FileEntry) -> None:
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.sizes.append(entry.size)
        self.mtimes.append(entry.mtime_ns)
        self.inodes.append(entry.inode)
        self.shas.append(entry.sha256)
        if entry.versions:
            self.versions[key] = entry.versions
        if entry.params is not None:
            self.params[key] = entry.params
        if entry.norm is not None:
            self.norms[key] = entry.norm

    def take_rows(self, other: Manifest, rows: list[int]) -> None:
        """Append ``other``'s rows (column-wise: no object per row)."""
        start = len(self.keys)
        if rows and rows[-1] - rows[0] == len(rows) - 1 and rows == list(range(rows[0], rows[-1] + 1)):
            # one run of rows in order, the usual case when nothing changed: copied in slices
            pick = slice(rows[0], rows[-1] + 1)
            keys = other.keys[pick]
            self.sizes.extend(other.sizes[pick])
            self.mtimes.extend(other.mtimes[pick])
            self.inodes.extend(other.inodes[pick])
            self.shas.extend(other.shas[pick])
        else:
            keys = [other.keys[i] for i in rows]
            self.sizes.extend([other.sizes[i] for i in rows])
            self.mtimes.extend([other.mtimes[i] for i in rows])
            self.inodes.extend([other.inodes[i] for i in rows])
            self.shas.extend([other.shas[i] for i in rows])
        self.keys.extend(keys)
        if start == 0 and len(keys) == len(other.keys) and keys == other.keys:
            self.index = dict(other.index)
        else:
            self.index.update(zip(keys, range(start, start + len(keys))))
        for sparse, mine in ((other.versions, self.versions), (other.params, self.params), (other.norms, self.norms)):
            for key, value in sparse.items():  # a few config files, not every file
                if key in self.index and key not in mine:
                    mine[key] = value

    def entry(self, key: str) -> FileEntry | None:
        i = self.index.get(key)
        if i is None:
            return None
        return FileEntry(self.sizes[i], self.mtimes[i], self.inodes[i], self.shas[i], self.versions.get(key, {}),
                         self.params.get(key), self.norms.get(key))

    def to_json(self) -> bytes:
        return orjson.dumps({"version": MANIFEST_VERSION, "created_at": self.created_at, "keys": self.keys,
                             "size": self.sizes, "mtime_ns": self.mtimes, "inode": self.inodes, "sha256": self.shas,
                             "versions": self.versions, "params": self.params,
                             "norm": self.norms})

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        doc = orjson.loads(raw)
        if not isinstance(doc, dict) or doc.get("version") != MANIFEST_VERSION:
            raise ValueError("not a drift manifest of version 1")
        manifest = cls(float(doc.get("created_at", 0.0)))
        manifest.keys, manifest.sizes, manifest.mtimes = doc["keys"], doc["size"], doc["mtime_ns"]
        manifest.inodes, manifest.shas = doc["inode"], doc["sha256"]
        manifest.versions, manifest.params = doc["versions"], doc["params"]
        manifest.norms = doc.get("norm", {})  # absent in manifests written before normal forms
        columns = (manifest.keys, manifest.sizes, manifest.mtimes, manifest.inodes, manifest.shas)
        if not all(isinstance(c, list) and len(c) == len(manifest.keys) for c in columns):
            raise ValueError("its columns differ in length")
        manifest.index = dict(zip(manifest.keys, range(len(manifest.keys))))
        return manifest


@dataclass(frozen=True)
class ManifestState:
    """The baseline as found: a manifest, or why there is none (first scan, missing, corrupt)."""

    manifest: Manifest | None
    first_scan: bool
    problem: str | None = None  # set when a baseline existed but is missing or corrupt


class ManifestStore:
    def __init__(self, state_dir: str | Path) -> None:
        self.folder = Path(state_dir) / "drift"
        self.path = self.folder / "manifest.json"
        self.marker = self.folder / "baseline-created"
        # Kept outside the drift folder: deleting that whole folder is not a quiet fresh start.
        self.outside_marker = Path(state_dir) / "drift-baseline-created"

    def load(self) -> ManifestState:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            if self.marker.exists():
                return ManifestState(None, False, f"the drift baseline {self.path} is missing")
            if self.outside_marker.exists():
                return ManifestState(None, False, f"the drift folder {self.folder} is gone (a baseline existed: "
                                                  f"{self.outside_marker.name}); its manifest is missing")
            return ManifestState(None, True)
        except OSError as exc:
            return ManifestState(None, False, f"the drift baseline {self.path} cannot be read ({exc.strerror})")
        try:
            return ManifestState(Manifest.from_json(raw), False)
        except (orjson.JSONDecodeError, ValueError, TypeError, KeyError) as exc:
            moved = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
            os.replace(self.path, moved)
            return ManifestState(None, False, f"the drift baseline {self.path} is corrupt ({exc}); moved to {moved.name}")

    def save(self, manifest: Manifest) -> None:
        write_private_atomic(self.path, manifest.to_json())
        for marker in (self.marker, self.outside_marker):
            if not marker.exists():
                touch_private(marker)
