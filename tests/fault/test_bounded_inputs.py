"""Bad inputs through the real `cert` commands, each in its own process with its peak RSS measured
(`resource`, tests/fault/_peak_rss.py): typed errors or error rows, no traceback, bounded memory.

Peak RSS is of the `cert` process (the ephemeral Prefect API is a separate process). Without any
input, `cert route` peaks near 400 MB (Prefect, pandas, great-expectations), so the 500 MB bound
leaves about 100 MB for the input, whatever its size.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pandas as pd
import pytest

from cert_core.paths import PROJECT_ROOT

ROUTE_RSS_MB = 500
MB = 1024 * 1024
DEEP = b"[" * 100_000 + b"]" * 100_000
OK = {"category": "security_operations", "complexity": 0.2, "description": "audit log monitoring"}
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi")
)


@pytest.fixture(scope="module")
def api_url():
    """One Prefect API for this module's `cert` processes, so each does not start its own."""
    from prefect.server.api.server import SubprocessASGIServer

    with socket.socket() as probe:  # a port of our own: the default instance is shared per process
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SubprocessASGIServer(port=port)
    server.start(timeout=300)
    yield server.api_url
    server.stop()


def run_cert(args: list[str], api_url: str, timeout: int = 600) -> tuple[int, str, float]:
    env = {**os.environ, "PREFECT_API_URL": api_url}
    proc = subprocess.run([sys.executable, str(PROJECT_ROOT / "tests" / "fault" / "_peak_rss.py"), *args],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=PROJECT_ROOT)
    output = proc.stdout + proc.stderr
    peak = float(re.findall(r"peak_rss_mb=([\d.]+)", proc.stderr)[-1])
    print(f"\npeak RSS of `cert {args[0]}` on {os.path.basename(args[2])}: {peak:.0f} MB")
    assert "Traceback" not in output, output[-3000:]
    return proc.returncode, output, peak


def _line(record: dict) -> bytes:
    return json.dumps(record).encode() + b"\n"


def test_bad_scenario_lines_become_reject_rows_and_memory_stays_bounded(tmp_path, api_url):
    path = tmp_path / "bad.jsonl"
    with path.open("wb") as f:
        f.write(_line({"id": "ok1", **OK}))
        f.write(DEEP + b"\n")  # 100k deep: a RecursionError in the JSON parser
        f.write(b'{"id": "huge", "description": "' + b"x" * (50 * MB) + b'"}\n')  # a 50 MB line
        f.write(_line({"id": "nul\x00id", **OK}))
        f.write(_line({"id": "L" * 164, **OK}))  # routes, but too long for a fusion operation id
        f.write(_line({"id": "ok2", **OK}))
    code, output, peak = run_cert(["route", "--scenarios", str(path), "--results-dir", str(tmp_path / "out")],
                                  api_url)
    assert code == 0, output[-3000:]
    decisions = pd.read_parquet(tmp_path / "out" / "routing_decisions")
    rejects = pd.read_parquet(tmp_path / "out" / "scenario_rejects").set_index("row_number")
    assert sorted(decisions["scenario_id"]) == ["ok1", "ok2"]
    assert "nested too deeply" in rejects.loc[2, "error_message"]
    assert "longer than 1048576 bytes (input_limits.max_line_bytes)" in rejects.loc[3, "error_message"]
    assert len(rejects.loc[3, "raw"]) < 1000  # the long line is not copied
    assert "control character '\\x00'" in rejects.loc[4, "error_message"]
    assert "keep it to 163 or fewer" in rejects.loc[5, "error_message"]
    assert peak < ROUTE_RSS_MB


def test_yaml_bomb_scenarios_file_is_refused_with_the_reason(tmp_path, api_url):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 500
    code, output, peak = run_cert(["route", "--scenarios", str(path), "--results-dir", str(tmp_path / "out")],
                                  api_url)
    assert code == 1
    assert "error: YamlLimitError" in output and "billion laughs" in output
    assert not (tmp_path / "out" / "scenario_rejects").exists()
    assert peak < ROUTE_RSS_MB


def test_symlink_to_a_system_file_is_not_followed(tmp_path, api_url):
    link = tmp_path / "scenarios.jsonl"
    link.symlink_to("/etc/passwd")
    code, output, peak = run_cert(["route", "--scenarios", str(link), "--results-dir", str(tmp_path / "out")],
                                  api_url)
    assert code == 1
    assert "is a symlink to /etc/passwd" in output and "not followed" in output
    assert "root:" not in output
    assert not (tmp_path / "out" / "scenario_rejects").exists()  # nothing of it reaches a dataset


def test_chains_file_with_a_50mb_line_and_a_deep_line(tmp_path, api_url):
    path = tmp_path / "chains.jsonl"
    steps = ["First, add the numbers.", "Then check the sum.", "So the answer is 4."]
    with path.open("wb") as f:
        f.write(_line({"chain_id": "good1", "question": "2+2?", "steps": steps}))
        f.write(b'{"chain_id": "huge", "steps": ["' + b"y " * (25 * MB) + b'", "b"]}\n')
        f.write(DEEP + b"\n")
        f.write(_line({"chain_id": "good2", "question": "3+1?", "steps": steps}))
    code, output, peak = run_cert(["trajectory", "--chains", str(path), "--results-dir", str(tmp_path / "out")],
                                  api_url)
    assert code == 0, output[-3000:]
    chains = pd.read_parquet(tmp_path / "out" / "trajectory_chains").set_index("chain_id")
    assert chains.loc["good1", "status"] == chains.loc["good2", "status"] == "ok"
    assert chains.loc["line-2", "error_type"] == "ChainTooLong"
    assert "input_limits.max_chain_bytes" in chains.loc["line-2", "error_message"]
    assert "nested too deeply" in chains.loc["line-3", "error_message"]
    assert peak < 1500  # torch and the model; the 50 MB chain is never held (9.8 GB before)


@pytest.mark.slow
def test_200mb_jsonl_routes_with_peak_rss_under_500mb(tmp_path, api_url):
    path = tmp_path / "big.jsonl"
    notes = "n" * 20_000  # an extra field: kept with the scenario, not scanned by the router
    written = n = 0
    with path.open("w") as f:
        while written < 200 * MB:
            line = json.dumps({"id": f"s{n}", **OK, "complexity": (n % 100) / 100, "notes": notes}) + "\n"
            f.write(line)
            written += len(line)
            n += 1
    code, output, peak = run_cert(["route", "--scenarios", str(path), "--results-dir", str(tmp_path / "out")],
                                  api_url)
    assert code == 0, output[-3000:]
    assert pd.read_parquet(tmp_path / "out" / "routing_decisions", columns=["scenario_id"]).shape[0] == n
    assert peak < ROUTE_RSS_MB
