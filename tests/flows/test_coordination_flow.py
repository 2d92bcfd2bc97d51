"""The coordination flows on the simulated backend: one row per task and strategy, the Prefect cache
across runs, force_refresh, cost-limited runs, and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cert_core.errors import InvalidInputError
from flows.coordination import coordinated_run, coordination_baseline
from tests.support.configs import config_copy
from tests.support.coordination import write_tasks

TASKS = [{"id": f"t{i}", "task": f"What is {i} + {i}?", "reference": str(2 * i), "kind": "arithmetic"}
         for i in range(1, 5)]


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    return config_copy(tmp_path / "cfg", {
        "llm": {"simulated": {"latency_ms": 0}},
        "energy_governance": {"budget_limits": {"daily_token_limit": 10_000_000, "hourly_burst_limit": 5_000_000}},
    })


def _runs(path):
    return pd.read_parquet(path)


@pytest.mark.slow
def test_every_task_and_strategy_has_one_row_and_a_rerun_comes_from_the_cache(tmp_path, env):
    tasks = tmp_path / "t.jsonl"
    write_tasks(tasks, TASKS[:3])
    with tasks.open("a") as fh:
        fh.write('{"id": "t1", "task": "duplicate"}\n{"id": "empty", "task": ""}\nnot json\n')
    first = coordinated_run(tasks_path=str(tasks), num_agents=3, strategy="all", rounds=2, backend="simulated",
                            judge="reference", results_dir=str(tmp_path / "r1"), config_dir=str(env))
    runs = _runs(first.coordination_runs_path)
    calls = _runs(first.agent_responses_path)
    assert first.backend == "simulated" and first.judge == "reference" and first.tasks == 3 and first.rejected == 3
    assert first.strategies == ("debate", "parallel", "sequential", "vote")
    assert len(runs) == 6 * 4 and not runs.duplicated(["task_id", "strategy"]).any()
    ok = runs[runs["status"] == "ok"]
    assert sorted(ok["task_id"].unique()) == ["t1", "t2", "t3"] and len(ok) == 12
    rejected = runs[runs["status"] == "error"]
    assert set(rejected["error_type"]) == {"DuplicateTaskId", "MissingTaskText", "InvalidJSON"}
    # every call made is one agent_responses row, and the llm_calls column counts them
    assert runs["llm_calls"].sum() == len(calls) == first.llm_calls > 0
    assert set(calls["phase"]) == {"baseline", "coordinated", "aggregate"}  # the reference judge makes no calls
    per_task = ok.set_index(["task_id", "strategy"])["llm_calls"]
    assert (per_task.xs("vote", level="strategy") == 3).all()  # the baseline: 3 agents
    assert (per_task.xs("sequential", level="strategy") == 3).all()
    assert (per_task.xs("parallel", level="strategy") == 4).all()  # 3 agents + the aggregator
    assert per_task.xs("debate", level="strategy").isin([6, 7]).all()  # 2 rounds (+ the arbiter without quorum)
    assert not ok["baseline_cached"].any() and (ok["baseline_run_id"] == first.run_id).all()
    assert ok["consensus_rate"].between(-1, 1).all() and ok["baseline_quality"].notna().all()
    assert (ok["cost_usd"] > 0).all() and (calls["cost_usd"] > 0).all()

    again = coordinated_run(tasks_path=str(tasks), num_agents=3, strategy="all", rounds=2, backend="simulated",
                            judge="reference", results_dir=str(tmp_path / "r2"), config_dir=str(env))
    rerun = _runs(again.coordination_runs_path)
    assert again.llm_calls == 0 and rerun["llm_calls"].sum() == 0 and len(_runs(again.agent_responses_path)) == 0
    ok2 = rerun[rerun["status"] == "ok"]
    assert ok2["baseline_cached"].all() and ok2["coordinated_cached"].all()
    assert (ok2["baseline_run_id"] == first.run_id).all()
    merged = ok.merge(ok2, on=["task_id", "strategy"], suffixes=("", "_again"))
    assert (merged["coordinated_quality"] == merged["coordinated_quality_again"]).all()  # the same measurements

    refreshed = coordinated_run(tasks_path=str(tasks), num_agents=3, strategy="parallel", rounds=2,
                                backend="simulated", judge="reference", force_refresh=True,
                                results_dir=str(tmp_path / "r3"), config_dir=str(env))
    assert refreshed.llm_calls == 3 * (3 + 4)  # baseline and parallel measured again
    assert not _runs(refreshed.coordination_runs_path).query("status == 'ok'")["baseline_cached"].any()

    baseline_only = coordination_baseline(tasks_path=str(tasks), num_agents=3, backend="simulated",
                                          judge="reference", results_dir=str(tmp_path / "r4"), config_dir=str(env))
    assert baseline_only.strategies == ("vote",) and baseline_only.llm_calls == 0  # the refreshed baseline


def test_another_agent_count_is_a_cache_miss(tmp_path, env):
    tasks = write_tasks(tmp_path / "t.jsonl", TASKS[:2])
    coordination_baseline(tasks_path=tasks, num_agents=2, backend="simulated", judge="reference",
                          results_dir=str(tmp_path / "a"), config_dir=str(env))
    other = coordination_baseline(tasks_path=tasks, num_agents=3, backend="simulated", judge="reference",
                                  results_dir=str(tmp_path / "b"), config_dir=str(env))
    assert other.llm_calls == 6 and not _runs(other.coordination_runs_path)["baseline_cached"].any()


def test_the_cost_cap_ends_the_run_with_cost_limited_rows_and_keeps_the_done_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    # each simulated agent call holds about $0.0036 and spends about $0.0006: a few tasks fit under $0.02
    configs = config_copy(tmp_path / "cfg", {
        "llm": {"simulated": {"latency_ms": 0}, "rate_limits": {"max_in_flight": 2}},  # 2 agents: one at a time
        "energy_governance": {"budget_limits": {"daily_token_limit": 10_000_000, "hourly_burst_limit": 5_000_000,
                                                "hourly_cost_limit_usd": 0.02}},
    })
    tasks = write_tasks(tmp_path / "t.jsonl", [{"id": f"c{i:02d}", "task": f"Add {i} and {i}.", "reference": str(2 * i)}
                                               for i in range(12)])
    result = coordinated_run(tasks_path=tasks, num_agents=2, strategy="parallel", backend="simulated",
                             judge="reference", results_dir=str(tmp_path / "out"), config_dir=str(configs))
    runs = _runs(result.coordination_runs_path).sort_values(["task_id", "strategy"])
    assert len(runs) == 24 and set(runs["status"]) == {"ok", "cost_limited"}
    by_task = runs.groupby("task_id")["status"].agg(set)
    done = [t for t, s in by_task.items() if s == {"ok"}]
    stopped = [t for t, s in by_task.items() if "cost_limited" in s]
    assert done and stopped and max(done) < min(stopped)  # in order: once the cap is met, no new task starts
    not_started = runs[runs["error_message"].str.startswith("not started", na=False)]
    assert len(not_started) > 0 and (not_started["llm_calls"] == 0).all()
    limited = runs[runs["status"] == "cost_limited"]
    assert (limited["error_type"] == "BudgetExceeded").all()
    calls = _runs(result.agent_responses_path)
    assert runs["llm_calls"].sum() == len(calls)  # work done before the cap is kept and counted
    from cert_core.config import get_settings, load_config
    from cert_core.governance import EnergyGovernanceController

    controller = EnergyGovernanceController.from_config(load_config(configs).energy_governance,
                                                        get_settings().effective_ledger_url)
    assert controller.ledger.usage().hourly_cost_usd <= 0.02
    controller.close()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"strategy": "chain"}, "unknown strategy 'chain'; known strategies: debate, parallel, sequential, vote"),
    ({"num_agents": 0}, "num_agents must be a whole number from 1 to 8"),
    ({"num_agents": 9}, "num_agents must be a whole number from 1 to 8"),
    ({"rounds": 0}, "rounds must be a whole number from 1 to 5"),
])
def test_bad_arguments_fail_the_run_with_a_typed_error(tmp_path, env, kwargs, words):
    tasks = write_tasks(tmp_path / "t.jsonl", TASKS[:1])
    with pytest.raises(InvalidInputError, match=words):
        coordinated_run(**{"tasks_path": tasks, "backend": "simulated", "results_dir": str(tmp_path / "o"),
                           "config_dir": str(env), **kwargs})


@pytest.mark.parametrize(("content", "words"), [
    (b"", "is empty"),
    (b"\xfa\xfb\xfc\n", "not UTF-8"),
    ('{"id": "x", "task": "bad \\ud800 text"}\n'.encode(), "cannot compute the cache key"),
])
def test_an_unusable_tasks_file_fails_the_run_before_any_call(tmp_path, env, content, words):
    path = tmp_path / "t.jsonl"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match=words):
        coordinated_run(tasks_path=str(path), backend="simulated", results_dir=str(tmp_path / "o"),
                        config_dir=str(env))
    assert not (tmp_path / "o").exists()


def test_rows_are_json_friendly_and_typed(tmp_path, env):
    result = coordination_baseline(tasks_path=write_tasks(tmp_path / "t.jsonl", TASKS[:1]), num_agents=1,
                                   backend="simulated", results_dir=str(tmp_path / "o"), config_dir=str(env))
    runs = _runs(result.coordination_runs_path)
    assert runs.loc[0, "consensus_rate"] is None or pd.isna(runs.loc[0, "consensus_rate"])  # one agent: no pairs
    assert str(runs["gamma"].dtype) == "float64" and str(runs["llm_calls"].dtype) == "int64"
    json.dumps(runs.drop(columns=["run_at"]).to_dict("records"), default=str)
