"""A real Prefect server (basic auth on), the work pool, every deployment of prefect.yaml and a process
worker, on loopback with a temporary PREFECT_HOME: what an operator starts, for the tests to drive."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

PREFECT = str(Path(sys.executable).with_name("prefect"))
CERT = str(Path(sys.executable).with_name("cert"))
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, auth: str | None = None, body: dict | None = None, timeout: float = 10,
         method: str | None = None) -> tuple[int, object]:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method or ("GET" if body is None else "POST"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw.strip().startswith((b"{", b"[", b"true", b"false")) else raw
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, None
    except OSError:  # not listening (yet)
        return 0, None


def wait_until(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class PrefectStack:
    root: Path
    base: Path
    port: int
    auth: str
    client_env: dict[str, str]
    worker_health_port: int
    metrics_dir: Path
    log_dir: Path
    worker: subprocess.Popen | None = None

    def stop_worker(self) -> None:
        if self.worker is not None:
            stop_process_group(self.worker)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str):
        status, payload = http(self.api + path, self.auth)
        assert status == 200, (path, status)
        return payload

    def post(self, path: str, body: dict):
        status, payload = http(self.api + path, self.auth, body)
        assert status in (200, 201), (path, status)
        return payload

    def deactivate_schedules(self) -> None:
        """The tests start every run themselves: a drift scan falling due mid-test would share the
        state dir with the runs under test. (Deactivating also deletes the future scheduled runs.)"""
        for deployment in self.post("/deployments/filter", {}):
            for schedule in deployment["schedules"]:
                status, _ = http(f"{self.api}/deployments/{deployment['id']}/schedules/{schedule['id']}", self.auth,
                                 {"active": False}, method="PATCH")
                assert status == 204, (deployment["name"], status)

    def prefect(self, *args: str, timeout: int = 180) -> str:
        out = subprocess.run([PREFECT, *args], env=self.client_env, cwd=self.root, capture_output=True, text=True,
                             timeout=timeout)
        assert out.returncode == 0, f"prefect {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
        return out.stdout

    def run_deployment(self, name: str, **params: object) -> str:
        """`prefect deployment run NAME --param k=v`; returns the flow run id."""
        args = ["deployment", "run", name]
        for key, value in params.items():
            args += ["--param", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
        out = self.prefect(*args)
        return _UUID.search(out.split("UUID", 1)[-1]).group(0)

    def flow_run(self, run_id: str) -> dict:
        return self.get(f"/flow_runs/{run_id}")

    def wait_for_run(self, run_id: str, timeout: float = 180) -> dict:
        run = wait_until(lambda: (r := self.flow_run(run_id))["state_type"] in TERMINAL and r, timeout,
                         f"flow run {run_id}", interval=1)
        assert run["state_type"] == "COMPLETED", self.failure_report(run)
        return run

    def runs_of(self, flow_name: str) -> list[dict]:
        """The flow's runs that are due within a minute: a schedule's future runs (the scheduler may
        have made up to 100 per deployment before `deactivate_schedules`) would push a new run past
        the API's page of 200."""
        due_by = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
        return self.post("/flow_runs/filter", {"flows": {"name": {"any_": [flow_name]}},
                                               "flow_runs": {"expected_start_time": {"before_": due_by}},
                                               "sort": "EXPECTED_START_TIME_DESC", "limit": 200})

    def failure_report(self, run: dict) -> str:
        logs = self.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run["id"]]}}, "limit": 200})
        lines = "\n".join(entry["message"][:2000] for entry in logs)
        worker_log = (self.log_dir / "worker.log").read_text(errors="replace")[-4000:]
        return f"run {run['name']} ended {run['state_type']}: {run['state']['message']}\n{lines}\n--- worker ---\n{worker_log}"


def stop_process_group(proc: subprocess.Popen, first: signal.Signals = signal.SIGTERM) -> None:
    """`first` to the process group, then SIGKILL if it is still there after 30 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, first)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@contextmanager
def prefect_stack(root: Path, base: Path) -> Iterator[PrefectStack]:
    """Server with basic auth -> work pool -> `prefect deploy --all` -> worker; all stopped at the end."""
    port, health_port = free_port(), free_port()
    auth = f"cert-admin:{secrets.token_hex(8)}"
    log_dir, metrics_dir = base / "logs", base / "metrics"
    log_dir.mkdir()
    metrics_dir.mkdir()
    common = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    common.update({
        "PREFECT_HOME": str(base / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
        # scheduled runs (drift scan every 10 min) that fall due during the test write here, not in the repo
        "CERT_STATE_DIR": str(base / "state"),
        "CERT_RESULTS_DIR": str(base / "scheduled-results"),
    })
    server_env = {**common, "PREFECT_SERVER_API_AUTH_STRING": auth, "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api"}
    client_env = {**common, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PREFECT_API_AUTH_STRING": auth}
    worker_env = {**client_env, "PREFECT_WORKER_WEBSERVER_PORT": str(health_port), "PREFECT_WORKER_QUERY_SECONDS": "2",
                  "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    procs: list[subprocess.Popen] = []
    try:
        with open(log_dir / "server.log", "wb") as server_log:
            procs.append(subprocess.Popen(
                [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=server_env,
                stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True))
        wait_until(lambda: http(f"http://127.0.0.1:{port}/api/health")[0] == 200, 120, "the Prefect server")
        stack = PrefectStack(root, base, port, auth, client_env, health_port, metrics_dir, log_dir)
        stack.prefect("work-pool", "create", "cert-process", "--type", "process")
        stack.prefect("--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--all", timeout=300)
        stack.deactivate_schedules()
        with open(log_dir / "worker.log", "wb") as worker_log:
            stack.worker = subprocess.Popen(
                [PREFECT, "worker", "start", "--pool", "cert-process", "--type", "process", "--with-healthcheck"],
                env=worker_env, cwd=root, stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True)
            procs.append(stack.worker)
        yield stack
    finally:
        for proc in reversed(procs):
            stop_process_group(proc)
