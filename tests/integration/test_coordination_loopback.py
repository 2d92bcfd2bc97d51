"""Coordination through the real anthropic SDK against the loopback Messages API: the LLM judge, the
Prefect cache across runs and processes (counted in the server's request log and in llm_calls),
and a changed model that hits nothing in the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.support.configs import config_copy
from tests.support.coordination import CoordinationScript, write_tasks
from tests.support.fake_anthropic import FakeMessagesAPI

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "sk-ant-Bv5Nc8Xz2Mq7Lw4Jr9Gt6Dk3"  # random-looking like a real key: the scrub masks any 8 of its characters
TASKS = [{"id": f"q{i}", "task": f"What is {i} times 3?", "reference": str(3 * i)} for i in range(1, 5)]


def _configs(tmp_path, name: str, model: str = "claude-sonnet-4-6"):
    return config_copy(tmp_path / name, {
        "llm": {"anthropic": {"model": model, "timeout_s": 5.0, "backoff_base_s": 0.05, "backoff_max_s": 0.2,
                              "max_retry_after_s": 0.2, "task_retry_backoff_s": 0.1},
                "rate_limits": {"requests_per_minute": 6000, "max_in_flight": 16,
                                "rpm_limit_name": "coord-rpm", "in_flight_limit_name": "coord-in-flight"}},
        "energy_governance": {"budget_limits": {"daily_token_limit": 10_000_000, "hourly_burst_limit": 5_000_000,
                                                "daily_cost_limit_usd": 10_000, "hourly_cost_limit_usd": 10_000}},
    })


@pytest.fixture()
def api(tmp_path, monkeypatch, prefect_harness):
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    script = CoordinationScript({t["task"]: t["reference"] for t in TASKS}, wrong=frozenset({3}))
    with FakeMessagesAPI(replies=script) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        yield server


def _requests(server: FakeMessagesAPI) -> int:
    server.wait_idle()
    return server.requests_seen


def test_a_rerun_comes_from_the_cache_and_a_new_model_misses_it(tmp_path, api):
    from flows.coordination import coordinated_run

    tasks = write_tasks(tmp_path / "t.jsonl", TASKS)
    configs = _configs(tmp_path, "cfg")
    kwargs = dict(tasks_path=tasks, num_agents=3, strategy="debate", rounds=2, backend="anthropic", judge="llm",
                  config_dir=str(configs))
    first = coordinated_run(results_dir=str(tmp_path / "r1"), **kwargs)
    first_requests = _requests(api)
    runs = pd.read_parquet(first.coordination_runs_path)
    calls = pd.read_parquet(first.agent_responses_path)
    assert first.backend == "anthropic" and first.judge == "llm" and set(runs["status"]) == {"ok"}
    assert first_requests == runs["llm_calls"].sum() == len(calls) > 0  # no faults: one request per call
    assert {r.model for r in api.log} == {"claude-sonnet-4-6"}
    assert set(calls["phase"]) == {"baseline", "coordinated", "judge"}
    # the judge's JSON came back through the SDK and was read: (8 + 9 + 7 + 8) / 40
    assert runs["coordinated_quality"].tolist() == pytest.approx([0.8] * 8)
    assert runs["judge_error"].isna().all()
    debate = runs[runs["strategy"] == "debate"]
    assert debate["gamma"].tolist() == pytest.approx([1.0] * 4)
    assert debate["gain_over_vote"].tolist() == pytest.approx([0.0] * 4)

    second = coordinated_run(results_dir=str(tmp_path / "r2"), **kwargs)
    second_requests = _requests(api) - first_requests
    rerun = pd.read_parquet(second.coordination_runs_path)
    assert second_requests <= 0.2 * first_requests  # the bar: at least 80% fewer calls
    assert second_requests == rerun["llm_calls"].sum() == 0
    assert rerun["baseline_cached"].all() and rerun["coordinated_cached"].all()

    other = coordinated_run(results_dir=str(tmp_path / "r3"), **{**kwargs, "config_dir": str(
        _configs(tmp_path, "cfg-haiku", model="claude-haiku-4-5"))})
    other_requests = _requests(api) - first_requests
    changed = pd.read_parquet(other.coordination_runs_path)
    assert other_requests == first_requests == changed["llm_calls"].sum()  # every measurement made again
    assert not changed["baseline_cached"].any() and not changed["coordinated_cached"].any()
    assert {r.model for r in api.log[first_requests:]} == {"claude-haiku-4-5"}


def test_the_baseline_in_a_new_process_makes_no_calls(tmp_path, api, repo_root):
    from prefect.settings import PREFECT_API_URL

    from flows.coordination import coordination_baseline

    tasks = write_tasks(tmp_path / "t.jsonl", TASKS[:2])
    configs = _configs(tmp_path, "cfg")
    first = coordination_baseline(tasks_path=tasks, num_agents=3, backend="anthropic", judge="llm",
                                  results_dir=str(tmp_path / "r1"), config_dir=str(configs))
    before = _requests(api)
    assert before == first.llm_calls == 2 * (3 + 3)  # three agents and three judge calls per task

    code = ("import json; from flows.coordination import coordination_baseline as b; "
            f"r = b(tasks_path={tasks!r}, num_agents=3, backend='anthropic', judge='llm', "
            f"results_dir={str(tmp_path / 'r2')!r}, config_dir={str(configs)!r}); "
            "print(json.dumps({'calls': r.llm_calls, 'path': r.coordination_runs_path}))")
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_LOGGING_LEVEL": "ERROR"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=repo_root, capture_output=True, text=True,
                         timeout=400)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["calls"] == 0 and _requests(api) == before  # the server saw nothing from the new process
    rows = pd.read_parquet(result["path"])
    assert rows["baseline_cached"].all() and (rows["baseline_run_id"] == first.run_id).all()
