"""The baseline manifest: what each watched file looked like at the last scan.

One JSON file under the state directory (``<state_dir>/drift/manifest.json``, 0600 in a 0700
folder), replaced atomically. A marker beside it records that a baseline was made, so a manifest
that later goes missing is told apart from a first scan.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ..io.private import touch_private, write_private_atomic

__all__ = ["FileEntry", "Manifest", "ManifestState", "ManifestStore"]

MANIFEST_VERSION = 1


class FileEntry(NamedTuple):
    """A tuple, so a manifest of 10,000 files loads in milliseconds (stored as a JSON array)."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str
    versions: dict[str, str] = {}  # version pattern index -> value (never mutated)
    params: dict[str, Any] | None = None  # flattened YAML parameters (config files only)

    def same_stat(self, size: int, mtime_ns: int, inode: int) -> bool:
        return self.size == size and self.mtime_ns == mtime_ns and self.inode == inode


@dataclass(frozen=True)
class Manifest:
    files: dict[str, FileEntry]
    created_at: float

    def to_json(self) -> bytes:
        doc = {"version": MANIFEST_VERSION, "created_at": self.created_at,
               "files": {k: list(v) for k, v in sorted(self.files.items())}}
        return json.dumps(doc, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("version") != MANIFEST_VERSION or not isinstance(doc.get("files"), dict):
            raise ValueError("not a drift manifest of version 1")
        make = FileEntry._make
        return cls({k: make(v) for k, v in doc["files"].items()}, float(doc.get("created_at", 0.0)))


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

    def load(self) -> ManifestState:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            if self.marker.exists():
                return ManifestState(None, False, f"the drift baseline {self.path} is missing")
            return ManifestState(None, True)
        except OSError as exc:
            return ManifestState(None, False, f"the drift baseline {self.path} cannot be read ({exc.strerror})")
        try:
            return ManifestState(Manifest.from_json(raw), False)
        except (UnicodeDecodeError, ValueError, TypeError) as exc:
            moved = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
            os.replace(self.path, moved)
            return ManifestState(None, False, f"the drift baseline {self.path} is corrupt ({exc}); moved to {moved.name}")

    def save(self, manifest: Manifest) -> None:
        write_private_atomic(self.path, manifest.to_json())
        if not self.marker.exists():
            touch_private(self.marker)
