"""One exit-code contract for every `cert` command: 0 completed, 1 the run failed, 2 bad usage or config."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cert_cli._common import EXIT_BAD_USAGE, EXIT_RUN_FAILED, exit_code_for
from cert_cli.main import cli
from cert_core.errors import BudgetExceeded, ConfigError, InvalidInputError, NeedsKeyError, ResourceLoadError


@pytest.fixture
def broken_config(tmp_path, config_dir):
    from tests.support.configs import config_copy

    path = config_copy(tmp_path / "cfg")
    (path / "circuit_breakers.yaml").write_text("circuit_breakers: {fusion_primary: {failure_threshold: 0}}\n")
    return path


@pytest.mark.parametrize(("error", "code"), [
    (ConfigError("bad yaml"), EXIT_BAD_USAGE),
    (InvalidInputError("empty file"), EXIT_RUN_FAILED),
    (BudgetExceeded("cap"), EXIT_RUN_FAILED),
    (ResourceLoadError("no model"), EXIT_RUN_FAILED),
    (NeedsKeyError("no key"), EXIT_RUN_FAILED),
])
def test_the_error_type_decides_the_code(error, code):
    assert exit_code_for(error) == code


@pytest.mark.parametrize("args", [
    ["route"],  # --scenarios is required
    ["fuse", "--scenarios", "x.jsonl", "--backend", "openai"],
    ["fuse", "--scenarios", "x.jsonl", "--runner", "ray"],
    ["trajectory", "--runner", "ray"],
    ["trajectory", "calibrate"],
    ["config", "show", "--env", "qa"],
    ["config", "show", "--section", "no_such_section"],
    ["health", "--env", "qa"],
    ["overlays", "--nope"],
    ["setup-limits", "--env", "qa"],
    ["coordinate"],  # --tasks is required
    ["coordinate", "--tasks", "x.jsonl", "--judge", "gpt"],
    ["coordinate", "--tasks", "x.jsonl", "--strategy", "chain"],
    ["drift", "--env", "qa"],
    ["drift", "--deep=yes"],
    ["validate", "--env", "qa"],
    ["no-such-command"],
])
def test_bad_usage_exits_2_for_every_command(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_BAD_USAGE, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [
    ["config", "validate"],
    ["config", "show"],
    ["health"],
    ["overlays"],
    ["trajectory", "calibrate", "--chains", "whatever.jsonl"],
])
def test_bad_config_exits_2_for_every_command_that_reads_it(args, broken_config, monkeypatch, tmp_path):
    monkeypatch.setenv("CERT_CONFIG_DIR", str(broken_config))
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    extra = [] if args[0] == "health" else ["--config-dir", str(broken_config)]
    result = CliRunner().invoke(cli, args + extra)
    assert result.exit_code == EXIT_BAD_USAGE, result.output
    assert "error: ConfigError:" in result.output and "failure_threshold" in result.output
    assert "Traceback" not in result.output


def test_a_failed_run_exits_1_with_one_error_line(tmp_path, config_dir):
    result = CliRunner().invoke(cli, ["trajectory", "calibrate", "--chains", str(tmp_path / "missing.jsonl"),
                                      "--config-dir", str(config_dir)])
    assert result.exit_code == EXIT_RUN_FAILED
    assert result.output.startswith("error: ResourceLoadError:") and result.output.count("\n") == 1
