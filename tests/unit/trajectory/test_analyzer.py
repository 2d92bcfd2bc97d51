"""The analyzer end to end: one result per chain (ok or typed error), rows that pass the contracts."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow.compute as pc
import pytest

from cert_core.config.trajectory import CalibratedThresholds, Distribution, TrajectoryConfig
from cert_core.trajectory.signals import SIGNALS
from cert_core.io import read_dataset, write_dataset
from cert_core.trajectory import (
    ChainInput,
    TrajectoryAnalyzer,
    chain_rows,
    chunk_failure_results,
    read_chains,
    reject_results,
    step_rows,
)
from cert_core.trajectory.summary import summarize, table_rows

from .conftest import write_jsonl

WIDE = Distribution(mean=3.0, std=1.0, percentiles={"p50": 3.0, "p90": 4.0, "p95": 4.5, "p99": 60.0, "p99_9": 80.0})
THRESHOLDS = CalibratedThresholds(model="tiny", calibrated_at="2026-11-25T00:00:00+00:00", n_steps=100, n_chains=25,
                                  signals={name: WIDE for name in SIGNALS}, domain=WIDE)


@pytest.fixture(scope="module")
def analyzer(tiny_resource):
    config = TrajectoryConfig(model=tiny_resource.model_id, batch_size=4, thresholds={tiny_resource.model_id: THRESHOLDS})
    return TrajectoryAnalyzer(config, source=tiny_resource)


def test_every_input_line_ends_as_exactly_one_result(tmp_path, analyzer):
    path = write_jsonl(tmp_path / "mixed.jsonl", [
        {"chain_id": "good", "question": "Tom has 3 apples. How many?",
         "steps": ["Tom has 3 apples.", "The answer is 3."]},
        {"chain_id": "one-step", "steps": ["alone"]},
        {"chain_id": "bad-type", "steps": ["ok", 5]},
        "{broken",
        {"chain_id": "long", "question": "Q", "steps": [f"Tom has {i} apples." for i in range(10_000)]},
    ])
    parsed = read_chains(path, max_chain_length=16)
    results = reject_results(parsed.rejects, analyzer.config.model) + analyzer.analyze(parsed.chains)
    by_id = {r.chain_id: r for r in results}
    assert sorted(by_id) == ["bad-type", "good", "line-4", "long", "one-step"]
    assert by_id["one-step"].error_type == "InsufficientSteps"
    assert by_id["bad-type"].error_type == "InvalidStep"
    assert by_id["line-4"].error_type == "InvalidJSON"
    assert by_id["long"].status == "ok" and by_id["long"].truncated is True and len(by_id["long"].steps) == 16
    assert by_id["good"].status == "ok" and by_id["good"].truncated is False
    assert by_id["good"].passed_quality_check in (True, False)


def test_rows_pass_the_parquet_contracts(tmp_path, analyzer, sample_chains):
    results = analyzer.analyze(sample_chains[:4]) + chunk_failure_results(
        [ChainInput("lost", "Q", ("a", "b"))], "m", "TimeoutExceeded", "ran past 1s")
    now = datetime.now(timezone.utc)
    write_dataset("trajectory_steps", step_rows(results, "run-1"), tmp_path, "run-1")
    write_dataset("trajectory_chains", chain_rows(results, "run-1", "cfg123", now), tmp_path, "run-1")
    chains = read_dataset("trajectory_chains", tmp_path)
    steps = read_dataset("trajectory_steps", tmp_path)
    assert chains.num_rows == 5
    assert steps.num_rows == sum(len(c.steps) for c in sample_chains[:4])
    lost = chains.filter(pc.equal(chains["chain_id"], "lost")).to_pylist()[0]
    assert (lost["status"], lost["error_type"], lost["n_steps"]) == ("error", "TimeoutExceeded", None)
    assert "ran past 1s" in lost["error_message"]


def test_thresholds_apply_after_scoring_so_the_cache_serves_new_thresholds(analyzer, sample_chains):
    chains = sample_chains[:3]
    strict = Distribution(mean=3.0, std=1.0, percentiles={**WIDE.percentiles, "p50": -2.0, "p99": -1.0,
                                                                "p99_9": -1.0})
    strict_thresholds = THRESHOLDS.model_copy(update={"signals": {**THRESHOLDS.signals, "surprise": strict}})
    strict = analyzer.config.model_copy(update={"thresholds": {analyzer.config.model: strict_thresholds}})
    loose = analyzer.analyze(chains)
    failed = analyzer.analyze(chains, strict)
    assert all(r.passed_quality_check is False for r in failed)
    assert [r.avg_perplexity for r in loose] == [r.avg_perplexity for r in failed]


def test_summary_counts_and_artifact_rows(analyzer, sample_chains):
    results = analyzer.analyze(sample_chains[:4]) + reject_results([], "m") + chunk_failure_results(
        [ChainInput("x", "", ("a", "b"))], "m", "ScoringError", "boom")
    summary = summarize(results, "run", "in.jsonl", "m", {"trajectory_chains": "/p.parquet"})
    assert (summary.n_chains, summary.n_ok, summary.n_error) == (5, 4, 1)
    assert summary.n_passed + summary.n_failed == 4
    assert summary.n_outside_calibration == 0  # the domain limits are wide
    assert summary.error_types == {"ScoringError": 1}
    rows = table_rows(results)
    assert rows[0]["chain_id"] == "x" and rows[0]["error"] == "ScoringError: chain x: boom"
    assert "| chain | max anomaly score |" in summary.to_markdown(results[:2])
