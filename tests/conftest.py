"""Test-wide setup: isolated Prefect home and state, offline models, and the PostgreSQL rule.

Tiers: unit/ (no sockets), flows/ (session prefect_test_harness), integration/ (real
servers on loopback), fault/ (fault injection). Warnings are errors (pyproject).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="cert-tests-"))
os.environ["PREFECT_HOME"] = str(_TMP / "prefect-home")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["CERT_STATE_DIR"] = str(_TMP / "state")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GX_ANALYTICS_ENABLED"] = "False"
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
os.environ.pop("ANTHROPIC_API_KEY", None)
os.environ.pop("CERT_ENV", None)

from cert_core.paths import PROJECT_ROOT as REPO_ROOT  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def config_dir() -> Path:
    return REPO_ROOT / "configs" / "fusion"


@pytest.fixture
def clock():
    """The shared fake clock (tests/support/clock.py): monotonic seconds, `.utc()` for datetimes."""
    from tests.support.clock import FakeClock

    return FakeClock()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A reachable PostgreSQL URL. Skips on a laptop without one; fails under CI=true."""
    url = os.environ.get("CERT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "no server here"
        reason = f"PostgreSQL not reachable at {url} ({type(exc).__name__}); set CERT_TEST_POSTGRES_URL"
        if IN_CI:
            pytest.fail(f"{reason}. Under CI=true the server must be running.")
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API (SQLite) for every test that needs one in this session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
