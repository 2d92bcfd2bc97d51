from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cert_cli.main import cli
from flows.fusion_pipeline import fusion_pipeline
from tests.support.configs import config_copy


@pytest.fixture()
def state_dir(tmp_path, monkeypatch):
    path = tmp_path / "state"
    monkeypatch.setenv("CERT_STATE_DIR", str(path))
    return path


def _write_scenarios(path, n, prefix="s"):
    rows = [{"id": f"{prefix}{i:03d}", "category": "financial_operations", "complexity": 0.5,
             "description": "refund with rollback of the payment transaction", "prompt": "plan the refund"} for i in range(n)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_sample_run_on_the_simulated_backend(repo_root, tmp_path, state_dir):
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    result = fusion_pipeline(scenarios_path=str(sample), results_dir=str(tmp_path), env="development")
    runs = pd.read_parquet(tmp_path / "fusion_runs")
    assert result.backend == "simulated" and "SIMULATED" in result.backend_reason
    assert len(runs) == result.scenarios == 65 and runs["scenario_id"].is_unique
    assert set(runs["backend"]) == {"simulated"}
    assert set(runs["status"]) <= {"ok", "denied", "error", "circuit_open"}
    ok = runs[runs["status"] == "ok"]
    assert len(ok) >= 60
    assert (ok["input_tokens"] > 0).all() and (ok["cost_usd"] > 0).all()
    # cost from the pricing table: 3 $/M input, 15 $/M output for the simulated entry
    expected = (ok["input_tokens"] * 3 + ok["output_tokens"] * 15) / 1e6
    assert (ok["cost_usd"] - expected).abs().max() < 1e-4
    assert runs.loc[runs["status"] != "ok", "error_message"].notna().all()
    assert len(pd.read_parquet(tmp_path / "scenario_rejects")) == 7


def test_tripwire_downgrades_after_consecutive_breaches_then_recovers(tmp_path, state_dir):
    configs = config_copy(tmp_path / "cfg", {
        "llm": {"fusion": {"expected_output_tokens": 1}},  # every call runs far past its baseline
        "energy_governance": {"budget_limits": {"hourly_burst_limit": 90000, "daily_token_limit": 900000},
                              "budget_tripwire": {"consecutive_breach_limit": 3,
                                                  "recovery_conditions": {"consecutive_normal_operations": 4,
                                                                          "time_since_last_breach_hours": 0}}},
    })
    scenarios = _write_scenarios(tmp_path / "s.jsonl", 8)
    # one chunk, so scenarios run in file order and the breach count is deterministic
    fusion_pipeline(scenarios_path=str(scenarios), results_dir=str(tmp_path / "r1"), config_dir=str(configs), chunk_size=8)
    runs = pd.read_parquet(tmp_path / "r1" / "fusion_runs").sort_values("scenario_id")
    assert runs["tripwire_breach"].tolist()[:3] == [True, True, True]
    assert runs["downgrade_active"].tolist() == [False, False, True, True, True, True, True, True]
    assert runs["overlay"].isna().tolist() == [False, False, False, True, True, True, True, True]

    # a generous baseline: no breaches, and after 4 normal operations the downgrade lifts
    calm = config_copy(tmp_path / "cfg2", {
        "llm": {"fusion": {"expected_output_tokens": 5000}},
        "energy_governance": {"budget_limits": {"hourly_burst_limit": 90000, "daily_token_limit": 900000},
                              "budget_tripwire": {"recovery_conditions": {"consecutive_normal_operations": 4,
                                                                          "time_since_last_breach_hours": 0}}},
    })
    fusion_pipeline(scenarios_path=str(_write_scenarios(tmp_path / "t.jsonl", 6, "t")),
                    results_dir=str(tmp_path / "r2"), config_dir=str(calm), chunk_size=6)
    runs = pd.read_parquet(tmp_path / "r2" / "fusion_runs").sort_values("scenario_id")
    assert not runs["tripwire_breach"].any()
    assert runs["downgrade_active"].tolist() == [True, True, True, False, False, False]
    assert runs["overlay"].notna().tolist() == [False, False, False, False, True, True]


def test_budget_denials_are_rows_not_failures(tmp_path, state_dir):
    configs = config_copy(tmp_path / "cfg", {"energy_governance": {"budget_limits": {"hourly_burst_limit": 2500}}})
    result = fusion_pipeline(scenarios_path=str(_write_scenarios(tmp_path / "s.jsonl", 10)),
                             results_dir=str(tmp_path), config_dir=str(configs), chunk_size=10)
    runs = pd.read_parquet(tmp_path / "fusion_runs")
    assert len(runs) == 10
    denied = runs[runs["status"] == "denied"]
    assert 0 < len(denied) < 10 and result.by_status["denied"] == len(denied)
    assert denied["error_message"].str.contains("hourly_tokens cap 2500").all()
    assert set(denied["error_type"]) == {"BudgetExceeded"}


def test_cli_fuse_without_a_key_for_anthropic_says_how_to_fix(repo_root, tmp_path, state_dir):
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    result = CliRunner().invoke(cli, ["fuse", "--scenarios", str(sample), "--backend", "anthropic", "--results-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "NeedsKeyError" in result.output and "set ANTHROPIC_API_KEY" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "fusion_runs").exists()  # failed before any call or write


def test_cli_fuse_reports_the_simulated_backend(repo_root, tmp_path, state_dir):
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    result = CliRunner().invoke(cli, ["fuse", "--scenarios", str(sample), "--results-dir", str(tmp_path), "--env", "development"])
    assert result.exit_code == 0, result.output
    assert "SIMULATED (no LLM was called)" in result.output
    assert "scenarios:    65" in result.output
