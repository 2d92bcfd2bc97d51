"""A small project tree with the shipped drift policy, and a watchdog over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cert_core.config import load_config
from cert_core.drift import DriftWatchdog


@pytest.fixture(scope="session")
def policy(config_dir):
    return load_config(config_dir, "production").drift_policy


@pytest.fixture
def project(tmp_path, config_dir) -> Path:
    root = tmp_path / "project"
    (root / "configs/fusion/micro_overlays").mkdir(parents=True)
    shutil.copy(config_dir / "overlay_params.yaml", root / "configs/fusion/overlay_params.yaml")
    shutil.copy(config_dir / "energy_governance.yaml", root / "configs/fusion/energy_governance.yaml")
    (root / "configs/fusion/micro_overlays/rollback_first.txt").write_text("# rollback_first\nUndo first.\n")
    (root / "cert_core").mkdir()
    (root / "cert_core/engine.py").write_text('__version__ = "1.0.0"\n\ndef run():\n    return 1\n')
    (root / "cert_core/__pycache__").mkdir()
    (root / "cert_core/__pycache__/engine.cpython-311.pyc").write_bytes(b"\0compiled")
    (root / "flows").mkdir()
    (root / "flows/a_flow.py").write_text("def a_flow():\n    return 2\n")
    (root / "notes.md").write_text("not watched\n")
    return root


@pytest.fixture
def state_dir(tmp_path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def watchdog(policy, project, state_dir) -> DriftWatchdog:
    return DriftWatchdog(policy, root=project, state_dir=state_dir)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))
