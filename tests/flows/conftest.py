"""Flow tests share the session's Prefect test harness (a temporary SQLite API)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _flows_use_the_harness(prefect_harness):
    yield
