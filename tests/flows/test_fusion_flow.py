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


def _counter(name: str, labels: dict) -> float:
    from cert_core.observability import METRICS

    return METRICS.registry.get_sample_value(name, labels) or 0.0


def test_prometheus_token_and_cost_counters_equal_the_sums_in_fusion_runs(repo_root, tmp_path, state_dir):
    """Counted once, by the backend: a double count would show twice the rows' sums."""
    tokens = {d: {"backend": "simulated", "direction": d} for d in ("input", "output")}
    cost = {"backend": "simulated", "model": "simulated"}
    before = {d: _counter("cert_llm_tokens_total", labels) for d, labels in tokens.items()}
    cost_before = _counter("cert_llm_cost_usd_total", cost)
    calls_before = _counter("cert_llm_calls_total", {"backend": "simulated", "status": "ok"})
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    fusion_pipeline(scenarios_path=str(sample), results_dir=str(tmp_path), env="development", backend="simulated")
    runs = pd.read_parquet(tmp_path / "fusion_runs")
    ok = runs[runs["status"] == "ok"]
    assert len(ok) > 0
    assert _counter("cert_llm_tokens_total", tokens["input"]) - before["input"] == ok["input_tokens"].sum()
    assert _counter("cert_llm_tokens_total", tokens["output"]) - before["output"] == ok["output_tokens"].sum()
    assert _counter("cert_llm_cost_usd_total", cost) - cost_before == pytest.approx(ok["cost_usd"].sum(), abs=1e-9)
    assert _counter("cert_llm_calls_total", {"backend": "simulated", "status": "ok"}) - calls_before == len(ok)


def _artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), limit=5)
    return max(found, key=lambda a: a.created)


def test_each_run_publishes_a_per_overlay_comparison_and_cert_overlays_reads_the_dataset(repo_root, tmp_path,
                                                                                        state_dir):
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    result = fusion_pipeline(scenarios_path=str(sample), results_dir=str(tmp_path), env="development",
                             backend="simulated")
    runs = pd.read_parquet(tmp_path / "fusion_runs")
    table = json.loads(_artifact("fusion-overlays").data)
    by_overlay = {row["overlay"]: row for row in table}
    counted = runs[runs["status"] != "denied"]
    assert sum(row["runs"] for row in table) == len(counted)
    for overlay, group in counted.groupby(counted["overlay"].fillna("(baseline)")):
        assert by_overlay[overlay]["runs"] == len(group)
        assert by_overlay[overlay]["avg_latency_ms"] == pytest.approx(group["latency_ms"].tail(50).mean(), abs=0.1)
    assert [row["avg_score"] for row in table] == sorted((row["avg_score"] for row in table), reverse=True)

    cli_rows = CliRunner().invoke(cli, ["overlays", "--results-dir", str(tmp_path), "--run", result.run_id, "--json"])
    assert cli_rows.exit_code == 0, cli_rows.output
    assert json.loads(cli_rows.stdout) == table
    missing = CliRunner().invoke(cli, ["overlays", "--results-dir", str(tmp_path / "empty")])
    assert missing.exit_code == 1 and "run `cert fuse --scenarios FILE` first" in missing.output


def test_a_breached_slo_degrades_the_following_calls_and_recovers(tmp_path, state_dir, monkeypatch):
    """Calls 3-5 fail: the success-rate SLO (target 0.75) is breached after call 3, so calls 4.. run
    the availability strategy (no overlay); once successes lift the rate back to 0.75 (call 12) it
    is lifted and the calls after it run with their overlay again."""
    from tests.support.fake_anthropic import FakeMessagesAPI, FaultPlan

    configs = config_copy(tmp_path / "cfg", {
        "llm": {"anthropic": {"max_attempts": 1, "task_retries": 0},
                "fusion": {"expected_output_tokens": 5000}},  # no tripwire breaches in this test
        "circuit_breakers": {"circuit_breakers": {"fusion_primary": {"failure_threshold": 50}}},
        "energy_governance": {"budget_limits": {"hourly_burst_limit": 90000, "daily_token_limit": 900000}},
    })
    (configs / "slo.yaml").write_text(
        "service_level_objectives:\n"
        "  fusion_success_rate: {metric: success_rate, operation: overlay_fusion, target: 0.75,"
        " measurement_window_minutes: 60}\n"
        "monitoring_config: {check_interval_seconds: 0, escalation_policy: {auto_recovery_enabled: true}}\n"
        "degradation_strategies:\n"
        "  availability_critical:\n"
        "    trigger_conditions: [{slo: fusion_success_rate, threshold_breach_duration_minutes: 0}]\n"
        "    actions: [{type: emergency_fallback, parameter: FUSION_MODE, value: baseline_only}]\n")
    plan = FaultPlan(schedule=["ok", "ok", "server_error", "server_error", "server_error"])
    with FakeMessagesAPI(faults=plan, latency_s=0.0) as api:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-slo")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        fusion_pipeline(scenarios_path=str(_write_scenarios(tmp_path / "s.jsonl", 14)), backend="anthropic",
                        results_dir=str(tmp_path / "r"), config_dir=str(configs), chunk_size=14)
    runs = pd.read_parquet(tmp_path / "r" / "fusion_runs").sort_values("scenario_id")
    assert runs["status"].tolist() == ["ok", "ok"] + ["error"] * 3 + ["ok"] * 9
    # success rate after each call: 1, 1, .67 (breach), .5, .4, .5, .57, .63, .67, .7, .73, .75 (met), ...
    degraded = ["-"] * 3 + ["availability_critical"] * 9 + ["-"] * 2
    assert runs["degradation"].fillna("-").tolist() == degraded
    assert runs["overlay"].isna().tolist() == [d != "-" for d in degraded]
    assert not runs["downgrade_active"].any()  # the tripwire played no part


@pytest.mark.slow
def test_dask_process_cluster_writes_the_same_statuses_as_the_thread_runner(repo_root, tmp_path, monkeypatch):
    """Chunks on other processes build their own runtime (ledger engine, breakers, backend) from the
    per-process resource; each run gets a fresh state dir so budgets start equal."""
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    statuses, errors = {}, {}
    for runner in ("thread", "dask"):
        monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / f"state-{runner}"))  # dask workers inherit it
        result = fusion_pipeline(scenarios_path=str(sample), results_dir=str(tmp_path / runner), env="development",
                                 backend="simulated", chunk_size=10, task_runner=runner)
        runs = pd.read_parquet(tmp_path / runner / "fusion_runs")
        assert len(runs) == result.scenarios == 65
        statuses[runner] = dict(zip(runs["scenario_id"], runs["status"]))
        tokens = dict(zip(runs["scenario_id"], runs["input_tokens"]))
        statuses[runner + "-tokens"] = tokens
        errors[runner] = runs.loc[runs["status"] != "ok", ["scenario_id", "error_type", "error_message"]].to_dict("records")
    assert statuses["dask"] == statuses["thread"], errors
    assert statuses["dask-tokens"] == statuses["thread-tokens"]  # the same prompts were sent


def test_a_wrong_typed_tripwire_state_fails_closed_until_an_operator_resets_it(tmp_path, state_dir):
    state_dir.mkdir(parents=True)
    state = state_dir / "tripwire_state.json"
    state.write_text('{"total_checks": "3", "consecutive_breaches": 0}')  # valid JSON, a wrong type
    scenarios = _write_scenarios(tmp_path / "s.jsonl", 4)
    result = fusion_pipeline(scenarios_path=str(scenarios), results_dir=str(tmp_path / "r"), env="development")
    runs = pd.read_parquet(tmp_path / "r" / "fusion_runs")
    assert result.scenarios == 4 and set(runs["status"]) == {"ok"}  # no crash, no traceback rows
    assert runs["downgrade_active"].all() and runs["overlay"].isna().all()  # the safer setting: downgraded
    assert state.read_text() == '{"total_checks": "3", "consecutive_breaches": 0}'  # nothing reset behind our back

    runner = CliRunner()
    for _ in range(2):  # degraded, and it stays so
        health = runner.invoke(cli, ["health", "--json"])
        report = json.loads(health.stdout)
        assert report["status"] == "degraded"
        assert any("is corrupt" in issue and "total_checks" in issue for issue in report["issues"])
    reset = runner.invoke(cli, ["tripwire", "reset"])
    assert reset.exit_code == 0 and "moved to" in reset.output
    assert json.loads(runner.invoke(cli, ["health", "--json"]).stdout)["components"]["budget_tripwire"]["status"] == "healthy"
