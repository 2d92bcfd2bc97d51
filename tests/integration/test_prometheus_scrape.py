"""A real Prometheus server scrapes `cert metrics serve`'s /metrics endpoint on loopback."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from cert_core.config import load_config
from cert_core.observability import METRICS, metrics_server
from cert_core.routing import RuntimeRouter

pytestmark = pytest.mark.integration

PROMETHEUS = shutil.which("prometheus")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _query(port: int, expr: str) -> list:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.load(resp)["data"]["result"]


def _status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def test_health_and_metrics_endpoints():
    with metrics_server(health=lambda: {"status": "degraded", "issues": ["tripwire"]}) as server:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as resp:
            assert resp.status == 200 and json.load(resp) == {"status": "degraded", "issues": ["tripwire"]}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            assert "cert_routing_decisions_total" in resp.read().decode()
        assert _status_of(f"http://127.0.0.1:{port}/nope") == 404


def test_unhealthy_is_503():
    with metrics_server(health=lambda: {"status": "unhealthy"}) as server:
        assert _status_of(f"http://127.0.0.1:{server.server_address[1]}/health") == 503


@pytest.mark.skipif(PROMETHEUS is None, reason="prometheus binary not on PATH; `apt-get install prometheus` (.ci/run does)")
def test_prometheus_scrapes_routing_metrics(tmp_path, config_dir):
    router = RuntimeRouter.from_config(load_config(config_dir))
    label = {"overlay": "state_model_first", "category": "system_integration"}
    before = METRICS.routing_decisions.labels(**label)._value.get()
    for i in range(7):
        router.route_scenario({"id": f"p{i}", "category": "system_integration", "complexity": 0.5, "description": "workflow state sync"})
    expected = before + 7

    with metrics_server() as server:
        _scrape_with_prometheus(tmp_path, f"127.0.0.1:{server.server_address[1]}", expected)


def _scrape_with_prometheus(tmp_path, target: str, expected: float) -> None:
    prom_port = _free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: cert\n    static_configs:\n      - targets: ['{target}']\n"
    )
    proc = subprocess.Popen(
        [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline, result = time.monotonic() + 90, []
        expr = 'cert_routing_decisions_total{overlay="state_model_first",category="system_integration"}'
        while time.monotonic() < deadline:
            try:
                result = _query(prom_port, expr)
            except OSError:
                result = []
            if result:
                break
            time.sleep(1)
        assert result, "Prometheus never scraped the target"
        assert float(result[0]["value"][1]) == expected
        assert float(_query(prom_port, 'up{job="cert"}')[0]["value"][1]) == 1.0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
