"""Micro-overlays: the text files in configs/fusion/micro_overlays/ parsed into structure.

File format (Markdown-ish):
    # name
    One-line summary.
    ## Directives          - KEY: value
    ## Patterns            ### group  then  - item
    ## Tone Adjustments    - key: value
    ## Quality Gates       - gate
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..config._base import check_safe_name
from ..errors import InvalidInputError, ResourceLoadError

_SECTIONS = {"directives", "patterns", "tone adjustments", "quality gates"}


@dataclass(frozen=True)
class MicroOverlay:
    name: str
    content: str
    directives: dict[str, str] = field(default_factory=dict)
    patterns: dict[str, list[str]] = field(default_factory=dict)
    tone_adjustments: dict[str, str] = field(default_factory=dict)
    quality_gates: list[str] = field(default_factory=list)
    last_modified: str | None = None
    file_size: int | None = None
    loading_mode: str = "normal"

    def render(self) -> str:
        """The block appended to a prompt: directives, patterns, tone and gates, in that order."""
        lines = [f"## Operating overlay: {self.name}"]
        lines += [f"- {k}: {v}" for k, v in self.directives.items()]
        for group, items in self.patterns.items():
            lines.append(f"### {group}")
            lines += [f"- {item}" for item in items]
        if self.tone_adjustments:
            lines.append("### tone")
            lines += [f"- {k}: {v}" for k, v in self.tone_adjustments.items()]
        if self.quality_gates:
            lines.append("### before answering, check")
            lines += [f"- {gate}" for gate in self.quality_gates]
        return "\n".join(lines)


def _key_value(item: str) -> tuple[str, str]:
    key, sep, value = item.partition(":")
    return (key.strip(), value.strip()) if sep else (item.strip(), "")


def parse_overlay(name: str, text: str) -> MicroOverlay:
    directives: dict[str, str] = {}
    patterns: dict[str, list[str]] = {}
    tone: dict[str, str] = {}
    gates: list[str] = []
    section, group = None, None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("### "):
            group = line[4:].strip()
            if section == "patterns":
                patterns.setdefault(group, [])
        elif line.startswith("## "):
            heading = line[3:].strip().lower()
            section, group = (heading if heading in _SECTIONS else None), None
        elif line.startswith(("- ", "* ")) and section:
            item = line[2:].strip()
            if section == "directives":
                key, value = _key_value(item)
                directives[key] = value
            elif section == "patterns":
                patterns.setdefault(group or "general", []).append(item)
            elif section == "tone adjustments":
                key, value = _key_value(item)
                tone[key] = value
            elif section == "quality gates":
                gates.append(item)
    return MicroOverlay(name, text, directives, patterns, tone, gates)


def overlay_path(overlays_dir: Path, name: str) -> Path:
    """The file for ``name``; names with path parts (``../x``) are rejected before touching disk."""
    try:
        check_safe_name(name, "overlay name")
    except ValueError as exc:
        raise InvalidInputError(str(exc), context={"overlay": name}) from None
    return overlays_dir / f"{name}.txt"


def load_overlay(overlays_dir: Path, name: str) -> MicroOverlay:
    path = overlay_path(overlays_dir, name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ResourceLoadError(
            f"overlay {name!r} not found: expected {path}; add the file or remove the name from scenario_profiles.yaml",
            context={"overlay": name, "path": str(path)},
        ) from None
    except OSError as exc:
        raise ResourceLoadError(f"overlay {name!r} at {path} cannot be read: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResourceLoadError(
            f"overlay {name!r} at {path} is not valid UTF-8 (byte {exc.start}); save it as UTF-8",
            context={"overlay": name, "path": str(path)},
        ) from exc
    overlay = parse_overlay(name, text)
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat()
    return MicroOverlay(**{**overlay.__dict__, "last_modified": modified, "file_size": stat.st_size})
