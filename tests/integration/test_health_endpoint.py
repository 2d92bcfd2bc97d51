"""HealthChecker behind the /health endpoint of the metrics server (real HTTP on loopback)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from cert_core.config.energy_governance import BudgetTripwireConfig
from cert_core.governance import BudgetTripwire
from cert_core.observability import serve_in_thread
from cert_core.safety import ComponentHealth, HealthChecker

pytestmark = pytest.mark.integration


def get(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_health_endpoint_serves_the_checker_report(tmp_path):
    tripwire = BudgetTripwire(BudgetTripwireConfig(consecutive_breach_limit=1), tmp_path / "tw.json")
    checker = HealthChecker(tripwire=tripwire)
    server = serve_in_thread(port=0, health=lambda: checker.check().to_dict())
    port = server.server_address[1]
    try:
        code, body = get(port)
        assert code == 200 and body["status"] == "healthy"
        tripwire.check_budget_breach(40.0)
        code, body = get(port)
        assert code == 200 and body["status"] == "degraded"  # degraded still serves
        checker.register("model", lambda: ComponentHealth("model", "unhealthy", ("model: not loaded",)))
        code, body = get(port)
        assert code == 503 and "model: not loaded" in body["issues"]
    finally:
        server.shutdown()
        server.server_close()
