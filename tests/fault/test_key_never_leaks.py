"""A server that echoes the API key in its errors: no 8-character fragment of it leaves `cert fuse`.

The loopback Messages API answers 400 (never retried), 500 and 429 (retried) with bodies that carry
the key inside the first 300 characters, across the 300-character cut, after it, and as pieces.
Checked: stdout, stderr, every Parquet string column, the state folder (tripwire state, ledger)
and the Prefect database of the run's PREFECT_HOME.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pyarrow.dataset as ds
import pytest

from tests.support.configs import config_copy
from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "sk-ant-api03-Zq7Xw2Lp9Rt4Vn6Bm1Kc8Hs3Dj5Fg0AyUe7Io2Pa9Sd4Fh6Jk1Lz3Xc8Vb5Nm0Qw7Er2Ty9Ui4Op6As1Df3Gh8Jk5Lq0Wm9"
OFFSETS = (0, 120, 240, 400, 600)  # inside the first 300 characters, across the cut (240..348), after it


def echo(kind: str, headers) -> str:
    """The server's error message: the key it was sent, at every offset, and some pieces of it after."""
    sent = headers.get("x-api-key") or (headers.get("authorization") or "").removeprefix("Bearer ")
    text = "." * 720
    for at in OFFSETS:
        text = text[:at] + sent + text[at + len(sent):]
    return f"{text} pieces: {sent[:20]} / {sent[40:60]} / {sent[-12:]}"


def fragments(secret: str, size: int = 8) -> set[str]:
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


def test_no_fragment_of_the_key_reaches_any_output(tmp_path):
    assert len(KEY) == 108
    configs = config_copy(tmp_path / "cfg", {"llm": {
        "anthropic": {"timeout_s": 5, "max_attempts": 2, "backoff_base_s": 0.01, "backoff_max_s": 0.05,
                      "max_retry_after_s": 0.05, "task_retries": 0},
        "rate_limits": {"requests_per_minute": 6000}, "fusion": {"max_tokens": 16}}})
    scenarios = tmp_path / "s.jsonl"
    scenarios.write_text("".join(json.dumps({
        "id": f"s{i}", "category": "financial_operations", "complexity": 0.1, "description": "refund",
        "prompt": f"case {i}"}) + "\n" for i in range(6)))
    home, state, out = tmp_path / "home", tmp_path / "state", tmp_path / "out"
    env = {**os.environ, "PREFECT_HOME": str(home), "CERT_STATE_DIR": str(state), "ANTHROPIC_API_KEY": KEY}
    env.pop("PREFECT_API_URL", None)
    plan = FaultPlan(schedule=["bad_request", "server_error", "server_error", "rate_limited", "rate_limited",
                               "bad_request", "unauthorized"], rate=1.0, kinds={"bad_request": 1})
    with FakeMessagesAPI(faults=plan, error_text=echo) as api:
        env["ANTHROPIC_BASE_URL"] = api.base_url
        done = subprocess.run(
            [sys.executable, "-m", "cert_cli.main", "fuse", "--scenarios", str(scenarios), "--backend", "anthropic",
             "--config-dir", str(configs), "--results-dir", str(out)],
            env=env, capture_output=True, text=True, timeout=300)
        assert api.requests_seen >= 6 and all(r.api_key_seen for r in api.log)

    table = ds.dataset(out / "fusion_runs", format="parquet").to_table()
    assert table.num_rows == 6 and set(table.column("status").to_pylist()) == {"error"}, done.stderr[-2000:]
    messages = [m for m in table.column("error_message").to_pylist() if m]
    assert any("***" in m for m in messages)  # the echoes arrived and were scrubbed
    blobs = {"stdout": done.stdout, "stderr": done.stderr}
    for column in table.column_names:
        if table.schema.field(column).type in ("string", "large_string"):
            blobs[f"parquet:{column}"] = "\n".join(str(v) for v in table.column(column).to_pylist())
    for folder in (state, home):
        for path in folder.rglob("*"):
            if path.is_file():
                blobs[str(path)] = path.read_bytes().decode("latin-1")
    assert any(name.endswith("prefect.db") for name in blobs)
    leaks = {name: sorted(f for f in fragments(KEY) if f in text)[:3] for name, text in blobs.items()}
    assert not {n: f for n, f in leaks.items() if f}, "key fragments leaked"
    print(f"\nsecrets: {len(blobs)} outputs checked, {len(messages)} echoed errors scrubbed, no 8-char fragment")
