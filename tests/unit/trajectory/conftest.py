"""Fixtures: the committed tiny model, loaded once for the trajectory unit tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cert_core.paths import PROJECT_ROOT
from cert_core.trajectory import ChainInput, ModelResource

TINY_MODEL = PROJECT_ROOT / "data" / "models" / "tiny-reasoner"


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    return TINY_MODEL


@pytest.fixture(scope="session")
def tiny_resource():
    with ModelResource(str(TINY_MODEL), device="cpu") as resource:
        yield resource


@pytest.fixture(scope="session")
def sample_chains(repo_root) -> list[ChainInput]:
    lines = (repo_root / "data" / "trajectories" / "chains.jsonl").read_text(encoding="utf-8").splitlines()
    chains = []
    for line in lines[:24]:
        record = json.loads(line)
        chains.append(ChainInput(record["chain_id"], record["question"], tuple(record["steps"]), record["bad_step"]))
    return chains


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path
