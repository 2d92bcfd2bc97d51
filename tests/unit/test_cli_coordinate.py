"""`cert coordinate`: bad usage and bad config exit 2 before any flow starts, with one clear line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cert_cli._common import EXIT_BAD_USAGE
from cert_cli.main import cli
from tests.support.configs import config_copy


@pytest.mark.parametrize(("args", "words"), [
    (["--agents", "0"], "num_agents must be a whole number from 1 to 8"),
    (["--agents", "12"], "num_agents must be a whole number from 1 to 8 (coordination.max_agents), got 12"),
    (["--rounds", "0"], "rounds must be a whole number from 1 to 5"),
    (["--strategy", "chain"], "unknown strategy 'chain'; known strategies: debate, parallel, sequential, vote"),
])
def test_bad_usage_exits_2_with_one_line(tmp_path, args, words):
    result = CliRunner().invoke(cli, ["coordinate", "--tasks", str(tmp_path / "t.jsonl"), *args])
    assert result.exit_code == EXIT_BAD_USAGE, result.output
    assert words in result.output and "Traceback" not in result.output


def test_bad_config_exits_2(tmp_path):
    configs = config_copy(tmp_path / "cfg", {"coordination": {"max_agents": 0}})
    result = CliRunner().invoke(cli, ["coordinate", "--tasks", "x.jsonl", "--config-dir", str(configs)])
    assert result.exit_code == EXIT_BAD_USAGE and "error: ConfigError:" in result.output
    assert "coordination.yaml" in result.output and "max_agents" in result.output
