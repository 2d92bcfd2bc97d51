"""`cert health`: status, issues, --json and the exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cert_cli.main import cli
from cert_core.config.energy_governance import BudgetTripwireConfig
from cert_core.governance import BudgetTripwire, default_state_file


@pytest.fixture
def env(tmp_path, config_dir, monkeypatch):
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CERT_CONFIG_DIR", str(config_dir))
    monkeypatch.delenv("CERT_LEDGER_URL", raising=False)
    return tmp_path / "state"


def test_fresh_state_is_healthy(env):
    result = CliRunner().invoke(cli, ["health"])
    assert result.exit_code == 0, result.output
    assert "system health: healthy" in result.output
    assert "fusion_primary" not in result.output  # closed breakers are not issues
    assert not (env / "ledger.db").exists()  # looking does not create a ledger


def test_active_downgrade_is_degraded_and_strict_fails(env):
    tripwire = BudgetTripwire(BudgetTripwireConfig(), default_state_file(env))
    for _ in range(3):
        tripwire.check_budget_breach(25.0)
    result = CliRunner().invoke(cli, ["health"])
    assert result.exit_code == 0
    assert "system health: degraded" in result.output and "budget tripwire downgrade active" in result.output
    strict = CliRunner().invoke(cli, ["health", "--strict"])
    assert strict.exit_code == 1 and "error: system is degraded" in strict.output
    as_json = CliRunner().invoke(cli, ["health", "--json", "--env", "staging"])
    report = json.loads(as_json.stdout)
    assert report["status"] == "degraded"
    assert report["components"]["budget_tripwire"]["details"]["consecutive_breaches"] == 3


def test_budget_ledger_is_reported_once_it_exists(env):
    from cert_core.config import load_config
    from cert_core.governance import EnergyGovernanceController

    cfg = load_config()
    ctl = EnergyGovernanceController.from_config(cfg.energy_governance, f"sqlite:///{env}/ledger.db")
    ctl.allocate_budget("fusion", 1000, "critical")
    ctl.ledger.dispose()
    report = json.loads(CliRunner().invoke(cli, ["health", "--json"]).stdout)
    assert report["components"]["budget_ledger"]["status"] == "healthy"
    assert report["components"]["budget_ledger"]["details"]["daily_tokens"]["utilization"] > 0
