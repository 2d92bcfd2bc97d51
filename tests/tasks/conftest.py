"""Task-option tests run their tasks inside small flows on the session's Prefect test harness."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _tasks_use_the_harness(prefect_harness):
    yield
