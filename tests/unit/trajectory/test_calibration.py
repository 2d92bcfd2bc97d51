"""Calibration (percentiles from good chains), storing it in trajectory.yaml, and the quality check."""

from __future__ import annotations

import shutil

import pytest
import yaml

from cert_core.config import load_config
from cert_core.config.trajectory import CalibratedThresholds
from cert_core.errors import InvalidInputError
from cert_core.observability import METRICS
from cert_core.trajectory import ChainScore, StepScore, calibrate, store_thresholds
from cert_core.trajectory.quality import assess_chain


def _chain(chain_id: str, surprises: list[float], tokens: int = 4) -> ChainScore:
    steps, running = [], 0.0
    for i, s in enumerate(surprises):
        running += s
        steps.append(StepScore(i, tokens, s / tokens, 1.0, 0.5, s, running))
    return ChainScore(chain_id, tuple(steps), tokens * len(surprises), False)


def test_calibrate_computes_percentiles_mean_and_std_of_step_surprise():
    # 25 steps with surprise 1..25: mean 13, sample std sqrt(54.1667), p50 13, p90 22.6 (linear)
    chains = [_chain(f"c{i}", [float(5 * i + j + 1) for j in range(5)]) for i in range(5)]
    thresholds = calibrate(chains, "surprise", "good.jsonl")
    assert thresholds.mean == pytest.approx(13.0)
    assert thresholds.std == pytest.approx(54.1666667 ** 0.5)
    assert thresholds.percentiles["p50"] == pytest.approx(13.0)
    assert thresholds.percentiles["p90"] == pytest.approx(22.6)
    assert thresholds.percentiles["p99"] == pytest.approx(24.76)
    assert (thresholds.n_steps, thresholds.n_chains, thresholds.chains_file) == (25, 5, "good.jsonl")


def test_calibrate_on_mean_nll_uses_per_token_values():
    chains = [_chain(f"c{i}", [4.0] * 5) for i in range(5)]
    assert calibrate(chains, "mean_nll").mean == pytest.approx(1.0)


def test_too_few_steps_to_calibrate_is_an_invalid_input_error():
    with pytest.raises(InvalidInputError, match="at least 20 scored steps, got 4"):
        calibrate([_chain("c", [1.0, 2.0, 3.0, 4.0])])


THRESHOLDS = CalibratedThresholds(
    statistic="surprise", mean=2.0, std=0.5, percentiles={"p50": 2.0, "p90": 2.6, "p95": 2.8, "p99": 3.0,
                                                          "p99_9": 3.4}, n_steps=100, n_chains=25,
)


def test_anomaly_score_is_a_z_score_and_a_step_over_the_percentile_fails_the_chain():
    checks = lambda r: METRICS.registry.get_sample_value("cert_hamiltonian_quality_checks_total", {"result": r}) or 0
    failed_before = checks("failed")
    result = assess_chain(_chain("c", [2.0, 3.5, 1.0]), "m", THRESHOLDS, "p99")
    assert [s.anomaly_score for s in result.steps] == pytest.approx([0.0, 3.0, -2.0])
    assert [s.anomaly for s in result.steps] == [False, True, False]
    assert result.passed_quality_check is False and result.max_anomaly_score == pytest.approx(3.0)
    assert result.top_step == 1
    assert checks("failed") - failed_before == 1
    assert assess_chain(_chain("c", [2.0, 2.9]), "m", THRESHOLDS, "p99").passed_quality_check is True
    assert assess_chain(_chain("c", [2.0, 2.9]), "m", THRESHOLDS, "p90").passed_quality_check is False


def test_chain_aggregates_are_means_over_steps_and_the_total_surprise():
    result = assess_chain(_chain("c", [2.0, 4.0], tokens=2), "m", THRESHOLDS)
    # step perplexities are 1.0 in the helper; mean_nll 1.0 and 2.0
    assert result.avg_perplexity == pytest.approx(1.0)
    assert result.avg_entropy == pytest.approx(0.5)
    assert result.cumulative_surprise == pytest.approx(6.0)
    assert result.n_tokens == 4 and result.status == "ok"


def test_without_thresholds_the_verdict_is_null_not_a_guess():
    result = assess_chain(_chain("c", [2.0, 30.0]), "m", None)
    assert result.passed_quality_check is None and result.max_anomaly_score is None
    assert {s.anomaly for s in result.steps} == {None}
    assert result.top_step == 1  # falls back to raw surprise


def test_store_thresholds_rewrites_only_its_block_and_keeps_other_models(tmp_path, config_dir):
    shutil.copytree(config_dir, tmp_path / "fusion")
    path = tmp_path / "fusion" / "trajectory.yaml"
    header = path.read_text(encoding="utf-8").split("thresholds:")[0]
    store_thresholds(path, "other/model", THRESHOLDS)
    store_thresholds(path, "data/models/x", THRESHOLDS.model_copy(update={"mean": 9.0}))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(header)  # comments and settings above the block are untouched
    loaded = load_config(tmp_path / "fusion").trajectory.thresholds
    assert loaded["other/model"] == THRESHOLDS
    assert loaded["data/models/x"].mean == 9.0
    assert yaml.safe_load(text)["model"] == "data/models/tiny-reasoner"
