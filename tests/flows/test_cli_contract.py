"""The exit-code contract for the commands that run flows: a bad config fails the run with exit 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cert_cli.main import cli
from tests.support.configs import config_copy


@pytest.mark.parametrize("command", [
    ["route", "--scenarios", "data/scenarios/sample.jsonl"],
    ["fuse", "--scenarios", "data/scenarios/sample.jsonl", "--backend", "simulated"],
    ["trajectory", "run"],
    ["coordinate", "--tasks", "data/coordination/tasks.jsonl", "--backend", "simulated"],
    ["drift", "--deep"],
    ["validate"],
])
def test_a_flow_that_fails_on_its_config_exits_2(command, tmp_path, monkeypatch):
    broken = config_copy(tmp_path / "cfg")
    (broken / "llm.yaml").write_text("rate_limits: {requests_per_minute: -5}\n")
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(cli, [*command, "--config-dir", str(broken), "--results-dir", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert "error: ConfigError:" in result.output and "requests_per_minute" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r").exists()
