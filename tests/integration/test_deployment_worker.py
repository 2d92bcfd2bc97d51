"""A real Prefect server and process worker run the route-scenarios deployment from prefect.yaml."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict, cwd: Path, timeout: int = 180) -> str:
    out = subprocess.run([PREFECT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"prefect {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_deployment_runs_on_a_process_worker(tmp_path, repo_root):
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "CERT_STATE_DIR": str(tmp_path / "state")}
    server_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=server_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "Prefect server did not start"
                time.sleep(1)
        _run(["work-pool", "create", "cert-process", "--type", "process"], env, repo_root)
        _run(["--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--name", "route-scenarios/on-demand"], env, repo_root)
        out_dir = tmp_path / "out"
        _run(["deployment", "run", "route-scenarios/on-demand", "-p", f"results_dir={out_dir}"], env, repo_root)
        _run(["worker", "start", "--pool", "cert-process", "--run-once"], env, repo_root, timeout=300)

        decisions = pd.read_parquet(out_dir / "routing_decisions")
        rejects = pd.read_parquet(out_dir / "scenario_rejects")
        assert (len(decisions), len(rejects)) == (65, 7)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/flow_runs/filter", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as resp:
            runs = json.load(resp)
        assert [(r["deployment_id"] is not None, r["state_type"]) for r in runs] == [(True, "COMPLETED")]
        assert set(decisions["flow_run_id"]) == {runs[0]["id"]}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
