"""Copies of configs/fusion with some values changed, for tests that need other limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from cert_core.config import deep_merge
from cert_core.paths import PROJECT_ROOT

REPO_CONFIGS = PROJECT_ROOT / "configs" / "fusion"


def config_copy(target: Path, overrides: dict[str, dict] | None = None) -> Path:
    """Copy the shipped configs to ``target`` and deep-merge ``{file_stem: {...}}`` into them."""
    shutil.copytree(REPO_CONFIGS, target)
    for stem, values in (overrides or {}).items():
        path = target / f"{stem}.yaml"
        current = yaml.safe_load(path.read_text()) if path.exists() else {}
        path.write_text(yaml.safe_dump(deep_merge(current or {}, values), sort_keys=False))
    return target
