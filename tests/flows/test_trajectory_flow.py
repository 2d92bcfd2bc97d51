"""The trajectory-batch flow on the committed tiny model: datasets, artifacts, failures, runners, CLI."""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from pathlib import Path

import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from cert_core.io import read_dataset
from cert_core.observability import METRICS
from cert_core.paths import PROJECT_ROOT as REPO
from cert_core.trajectory.analyzer import reset_analyzers
from flows.trajectory_batch import trajectory_batch

MODEL = "data/models/tiny-reasoner"


def _write_chains(path: Path, n_good: int = 10, salt: str = "", uncorrupted: bool = False) -> Path:
    """Sample chains plus three bad lines; a salt changes the questions so no cached score applies.
    uncorrupted: only sample chains without a labelled corruption (bad_step null)."""
    records = [json.loads(line) for line in
               (REPO / "data/trajectories/chains.jsonl").read_text(encoding="utf-8").splitlines()]
    records = [r for r in records if not uncorrupted or r["bad_step"] is None][:n_good]
    lines = [json.dumps({**r, "question": r["question"] + salt}) for r in records]
    lines += [
        json.dumps({"chain_id": "one-step", "question": "Q", "steps": ["only"]}),
        json.dumps({"chain_id": "not-text", "question": "Q", "steps": ["ok", 3]}),
        "{broken json",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _loads() -> float:
    return METRICS.registry.get_sample_value("cert_model_load_duration_seconds_count", {"model_name": MODEL}) or 0.0


def _artifacts(run_id: str) -> dict:
    """Artifacts of a flow run and its subflow (a closed client: Artifact.get leaks one)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(limit=50)
        keyed = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["trajectory-summary", "trajectory-chains"])),
            limit=50)
    by_run = [a for a in found + keyed if str(a.flow_run_id) == run_id or a.type == "progress"]
    return {a.key or f"{a.type}-{a.id}": a for a in by_run}


def _rows(results_dir: Path, dataset: str, run_id: str) -> list[dict]:
    table = read_dataset(dataset, results_dir)
    table = table.filter(pc.equal(table["flow_run_id"], run_id))
    return sorted(table.to_pylist(), key=lambda r: (r["chain_id"], r.get("step_index", 0)))


def test_thread_run_writes_each_chain_once_loads_the_model_once_and_publishes_artifacts(tmp_path):
    reset_analyzers()
    loads_before = _loads()
    chains = _write_chains(tmp_path / "chains.jsonl")
    summary = trajectory_batch(chains_path=str(chains), model=MODEL, chunk_size=4, results_dir=str(tmp_path))
    uuid.UUID(summary.run_id)  # the flow run id, not a placeholder
    assert _loads() - loads_before == 1  # three chunks, one load
    rows = _rows(tmp_path, "trajectory_chains", summary.run_id)
    assert len(rows) == 13 and len({r["chain_id"] for r in rows}) == 13
    errors = {r["chain_id"]: r["error_type"] for r in rows if r["status"] == "error"}
    assert errors == {"one-step": "InsufficientSteps", "not-text": "InvalidStep", "line-13": "InvalidJSON"}
    ok = [r for r in rows if r["status"] == "ok"]
    assert all(r["passed_quality_check"] is not None for r in ok)  # the committed config is calibrated
    steps = _rows(tmp_path, "trajectory_steps", summary.run_id)
    assert len(steps) == sum(r["n_steps"] for r in ok)
    assert (summary.n_ok, summary.n_error) == (10, 3)
    artifacts = _artifacts(summary.run_id)
    assert "Trajectory scoring: 13 chains" in artifacts["trajectory-summary"].data
    assert summary.calibration.startswith(f"model {MODEL}, 200 chains from data/trajectories/calibration_good.jsonl")
    assert f"calibration: {summary.calibration}" in artifacts["trajectory-summary"].data
    assert "one-step" in str(artifacts["trajectory-chains"].data)
    assert any(a.type == "progress" and a.data == 100.0 for a in artifacts.values())


def test_a_batch_past_its_timeout_becomes_timeout_rows_not_a_failed_run(tmp_path, config_dir):
    shutil.copytree(config_dir, tmp_path / "fusion")
    config = tmp_path / "fusion" / "trajectory.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("batch_timeout_s: 120.0", "batch_timeout_s: 1e-9"),
                      encoding="utf-8")
    chains = _write_chains(tmp_path / "chains.jsonl", n_good=4, salt=" (timeout test)")
    summary = trajectory_batch(chains_path=str(chains), model=MODEL, batch_size=1, chunk_size=4,
                               results_dir=str(tmp_path), config_dir=str(tmp_path / "fusion"))
    rows = _rows(tmp_path, "trajectory_chains", summary.run_id)
    assert len(rows) == 7
    assert sum(r["error_type"] == "TimeoutExceeded" for r in rows) >= 3  # all but at most the first batch


@pytest.mark.parametrize(
    ("setup", "model", "message"),
    [
        ("missing", MODEL, "does not exist"),
        ("empty", MODEL, "is empty"),
        ("latin1", MODEL, "not valid UTF-8"),
        ("ok", "no-such-org/no-such-model", "'no-such-org/no-such-model' not found"),
    ],
)
def test_whole_run_failures_fail_the_flow_with_the_error_message(tmp_path, setup, model, message):
    path = tmp_path / "chains.jsonl"
    if setup == "empty":
        path.write_text("", encoding="utf-8")
    elif setup == "latin1":
        path.write_bytes(b'{"chain_id": "caf\xe9", "steps": ["a", "b"]}\n')
    elif setup == "ok":
        _write_chains(path, 2)
    state = trajectory_batch(chains_path=str(path), model=model, results_dir=str(tmp_path), return_state=True)
    assert state.is_failed()
    assert message in state.message
    assert not (tmp_path / "trajectory_chains").exists()


def test_a_chain_unlike_the_calibration_is_flagged_and_the_summary_warns(tmp_path):
    path = tmp_path / "chains.jsonl"
    _write_chains(path, 2, uncorrupted=True)  # a corrupted chain may well be outside: it is not like good ones
    noise = {"chain_id": "noise", "question": "qzx vkj", "steps": ["zq xj vv kk pqw jjx", "wxq zzv kqj xjq vvz"]}
    path.write_text(path.read_text(encoding="utf-8") + json.dumps(noise) + "\n", encoding="utf-8")
    summary = trajectory_batch(chains_path=str(path), model=MODEL, results_dir=str(tmp_path))
    rows = {r["chain_id"]: r for r in _rows(tmp_path, "trajectory_chains", summary.run_id)}
    assert rows["noise"]["outside_calibration"] is True
    assert [r["outside_calibration"] for r in rows.values() if r["chain_id"] != "noise" and r["status"] == "ok"] \
        == [False, False]
    assert summary.n_outside_calibration == 1 and "WARNING: 1 chains are far outside" in summary.to_markdown()


def test_an_old_format_calibration_fails_the_run_saying_to_recalibrate(tmp_path, config_dir):
    shutil.copytree(config_dir, tmp_path / "fusion")
    config = tmp_path / "fusion" / "trajectory.yaml"
    header = config.read_text(encoding="utf-8").split("thresholds:")[0]
    old = {"statistic": "surprise", "mean": 0.2, "std": 0.4, "n_steps": 837, "n_chains": 200,
           "percentiles": {"p50": 0.01, "p90": 0.5, "p95": 1.0, "p99": 1.9, "p99_9": 3.0}}
    config.write_text(header + "thresholds:\n  " + MODEL + ": " + json.dumps(old) + "\n", encoding="utf-8")
    state = trajectory_batch(chains_path=str(_write_chains(tmp_path / "c.jsonl", 2)), model=MODEL,
                             results_dir=str(tmp_path), config_dir=str(tmp_path / "fusion"), return_state=True)
    assert state.is_failed()
    assert "CalibrationFormatError" in state.message or "older `cert trajectory calibrate`" in state.message
    assert f"Re-run `cert trajectory calibrate --chains GOOD.jsonl --model {MODEL}`" in state.message


@pytest.fixture
def restore_logging():
    names = ("prefect", "uvicorn", "sqlalchemy", "asyncio", "prefect.server", "prefect.events")
    levels = {name: logging.getLogger(name).level for name in names}
    raise_exceptions = logging.raiseExceptions
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.raiseExceptions = raise_exceptions


def test_cli_runs_the_flow_ad_hoc_and_reports_errors_in_one_line(tmp_path, restore_logging):
    from cert_cli.main import cli

    chains = _write_chains(tmp_path / "chains.jsonl", n_good=3)
    runner = CliRunner()
    ok = runner.invoke(cli, ["trajectory", "--chains", str(chains), "--model", MODEL, "--runner", "thread",
                             "--results-dir", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "Trajectory scoring: 6 chains" in ok.output
    assert f"- calibration: model {MODEL}, 200 chains from data/trajectories/calibration_good.jsonl" in ok.output
    missing = runner.invoke(cli, ["trajectory", "run", "--chains", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1
    assert "error: ResourceLoadError: chains file" in missing.output and "Traceback" not in missing.output


@pytest.mark.slow
def test_dask_runner_gives_the_same_rows_as_the_thread_runner(tmp_path):
    chains = _write_chains(tmp_path / "chains.jsonl", n_good=8)
    thread = trajectory_batch(chains_path=str(chains), model=MODEL, chunk_size=3, results_dir=str(tmp_path))
    dask = trajectory_batch(chains_path=str(chains), model=MODEL, chunk_size=3, results_dir=str(tmp_path),
                            task_runner="dask")
    a = _rows(tmp_path, "trajectory_steps", thread.run_id)
    b = _rows(tmp_path, "trajectory_steps", dask.run_id)
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        assert (x["chain_id"], x["step_index"]) == (y["chain_id"], y["step_index"])
        # other processes may batch and sum in another order: accumulated values agree relatively
        # (a sum near 800 differs in its 8th digit), values near zero absolutely
        for column in ("mean_nll", "mean_entropy", "surprise", "cumulative_surprise", "anomaly_score"):
            assert x[column] == pytest.approx(y[column], rel=1e-6, abs=1e-5)
    assert [r["status"] for r in _rows(tmp_path, "trajectory_chains", dask.run_id)] == \
        [r["status"] for r in _rows(tmp_path, "trajectory_chains", thread.run_id)]


def test_a_file_of_only_bad_lines_still_completes_with_one_error_row_each(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"chain_id": "a", "steps": ["x"]}\n[1, 2]\n', encoding="utf-8")
    summary = trajectory_batch(chains_path=str(path), model=MODEL, results_dir=str(tmp_path))
    rows = _rows(tmp_path, "trajectory_chains", summary.run_id)
    assert [(r["chain_id"], r["error_type"]) for r in rows] == [("a", "InsufficientSteps"), ("line-2", "InvalidChain")]
    assert _rows(tmp_path, "trajectory_steps", summary.run_id) == []


def test_task_runner_choice():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from cert_core.errors import ConfigError
    from flows._runtime import make_task_runner

    assert isinstance(make_task_runner("thread"), ThreadPoolTaskRunner)
    assert isinstance(make_task_runner("dask", "tcp://127.0.0.1:8786"), DaskTaskRunner)
    with pytest.raises(ConfigError, match="use 'thread' or 'dask'"):
        make_task_runner("ray")
