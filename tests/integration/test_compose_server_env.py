"""The compose file's Prefect server settings, run for real: PostgreSQL through the
PREFECT_SERVER_DATABASE_* components, basic auth and the database password from secret files
through the image's entrypoint (no Docker engine here, so the same command runs on loopback)."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest
import sqlalchemy as sa
import yaml

from tests.integration._prefect_stack import PREFECT, free_port, http, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def database(postgres_url):
    """A fresh database on the test server, dropped afterwards; yields its URL parts."""
    url = sa.make_url(postgres_url)
    name = f"cert_compose_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


def test_the_compose_server_settings_start_prefect_on_postgresql_with_auth_from_secrets(repo_root, database, tmp_path):
    service = yaml.safe_load((repo_root / "deployments/docker/docker-compose.yml").read_text())["services"]["prefect-server"]
    env = dict(service["environment"])
    secrets = {"/run/secrets/prefect_api_auth": "compose-admin:" + uuid.uuid4().hex,
               "/run/secrets/postgres_password": database.password or ""}
    for key, value in list(env.items()):  # the secret files, and the database this test made
        if value in secrets:
            secret = tmp_path / value.rsplit("/", 1)[1]
            secret.write_text(secrets[value])
            env[key] = str(secret)
    assert env["PREFECT_SERVER_DATABASE_DRIVER"] == "postgresql+asyncpg"
    env.update(PREFECT_SERVER_DATABASE_HOST=database.host, PREFECT_SERVER_DATABASE_PORT=str(database.port or 5432),
               PREFECT_SERVER_DATABASE_USER=database.username, PREFECT_SERVER_DATABASE_NAME=database.database)
    port = free_port()
    command = [PREFECT if a == "prefect" else a for a in service["command"]]
    command[command.index("--host") + 1], command[command.index("--port") + 1] = "127.0.0.1", str(port)
    base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(
            ["sh", str(repo_root / "deployments/docker/entrypoint.sh"), *command],
            env={**base, **env, "PREFECT_HOME": str(tmp_path / "home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        api = f"http://127.0.0.1:{port}/api"
        wait_until(lambda: http(api + "/health")[0] == 200 or server.poll() is not None, 120, "the Prefect server")
        assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
        assert http(api + "/flows/filter", body={})[0] == 401
        assert http(api + "/flows/filter", auth=secrets["/run/secrets/prefect_api_auth"], body={})[0] == 200
        engine = sa.create_engine(database)
        with engine.connect() as conn:  # Prefect migrated its schema into this PostgreSQL database
            assert conn.execute(sa.text("select to_regclass('flow_run') is not null")).scalar()
        engine.dispose()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
