from __future__ import annotations

import pytest

from cert_core.config import load_config
from cert_core.resources import release_process_resources


@pytest.fixture()
def config(config_dir):
    return load_config(config_dir)


@pytest.fixture()
def ledger_url(tmp_path):
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(scope="session", autouse=True)
def _close_embeddings():
    yield
    release_process_resources("embedding")
