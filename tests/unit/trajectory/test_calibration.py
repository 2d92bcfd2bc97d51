"""Calibration (every signal's percentiles on good chains), storing it, old formats, and the quality check."""

from __future__ import annotations

import shutil

import pytest
import yaml

from cert_core.config import load_config
from cert_core.config.trajectory import CalibratedThresholds, Distribution, LegacyThresholds, TrajectoryConfig
from cert_core.errors import ConfigError, InvalidInputError
from cert_core.observability import METRICS
from cert_core.trajectory import ChainInput, ChainScore, StepScore, calibrate, store_thresholds
from cert_core.trajectory.analyzer import thresholds_for
from cert_core.trajectory.calibration import CalibrationFormatError
from cert_core.trajectory.quality import assess_chain

WORDS = ["alpha", "bravo", "charlie", "delta", "echo"]


def _chain(chain_id: str, surprises: list[float], tokens: int = 4, steps: list[str] | None = None,
           question: str = " ".join(WORDS)) -> tuple[ChainInput, ChainScore]:
    scored, running = [], 0.0
    for i, s in enumerate(surprises):
        running += s
        scored.append(StepScore(i, tokens, s / tokens, 1.0, 0.5, s, running, max_nll=s / 2))
    texts = steps or [WORDS[i % 5] for i in range(len(surprises))]
    return (ChainInput(chain_id, question, tuple(texts)),
            ChainScore(chain_id, tuple(scored), tokens * len(surprises), False))


def _calibrate(pairs, **kwargs):
    return calibrate([c for c, _ in pairs], [s for _, s in pairs], "m", **kwargs)


def test_calibrate_records_every_signal_and_the_model_file_and_date():
    # 25 steps with surprise 1..25: mean 13, sample std sqrt(54.1667), p50 13, p90 22.6, p99 24.76 (linear)
    pairs = [_chain(f"c{i}", [float(5 * i + j + 1) for j in range(5)]) for i in range(5)]
    t = _calibrate(pairs, chains_file="good.jsonl")
    surprise = t.signals["surprise"]
    assert surprise.mean == pytest.approx(13.0)
    assert surprise.std == pytest.approx(54.1666667 ** 0.5)
    assert surprise.percentiles["p50"] == pytest.approx(13.0)
    assert surprise.percentiles["p90"] == pytest.approx(22.6)
    assert surprise.percentiles["p99"] == pytest.approx(24.76)
    assert t.signals["mean_nll"].mean == pytest.approx(13.0 / 4)  # per token
    assert t.signals["peak_nll"].mean == pytest.approx(13.0 / 2)
    assert t.signals["arithmetic"].percentiles["p99"] == 0.0  # no calculations in the steps
    # chain medians of mean_nll: (5i + 3) / 4 for i = 0..4 -> 0.75, 2.0, 3.25, 4.5, 5.75
    assert t.domain.percentiles["p50"] == pytest.approx(3.25)
    assert (t.model, t.n_steps, t.n_chains, t.chains_file, t.format) == ("m", 25, 5, "good.jsonl", 2)
    assert t.calibrated_at and "good.jsonl" in t.describe() and "model m" in t.describe()


def test_too_few_steps_to_calibrate_is_an_invalid_input_error():
    with pytest.raises(InvalidInputError, match="at least 20 scored steps, got 4"):
        _calibrate([_chain("c", [1.0, 2.0, 3.0, 4.0])])


def _dist(p50: float, p99: float) -> Distribution:
    return Distribution(mean=p50, std=1.0, percentiles={"p50": p50, "p90": p50, "p95": p50, "p99": p99,
                                                        "p99_9": p99})


THRESHOLDS = CalibratedThresholds(
    model="m", calibrated_at="2026-11-25T00:00:00+00:00", n_steps=100, n_chains=25,
    signals={"surprise": _dist(2.0, 3.0), "mean_nll": _dist(0.5, 0.75), "peak_nll": _dist(1.0, 1.5),
             "repetition": _dist(0.2, 0.5), "arithmetic": _dist(0.0, 0.0), "unsupported_numbers": _dist(0.0, 0.0),
             "unanchored": _dist(0.2, 0.5)},
    domain=_dist(0.5, 0.8),
)


def test_each_signal_is_scored_against_its_limit_and_one_over_it_fails_the_chain():
    checks = lambda r: METRICS.registry.get_sample_value("cert_hamiltonian_quality_checks_total", {"result": r}) or 0
    failed_before = checks("failed")
    # surprise 3.5: (3.5 - 2) / (3 - 2) = 1.5 > 1; mean_nll 3.5/4 = 0.875: (0.875 - 0.5) / 0.25 = 1.5 as well;
    # peak 1.75: (1.75 - 1) / 0.5 = 1.5
    chain, score = _chain("c", [2.0, 3.5, 1.0])
    result = assess_chain(chain, score, "m", THRESHOLDS, "p99")
    assert [s.anomaly_score for s in result.steps] == pytest.approx([0.0, 1.5, 0.0])
    assert [s.anomaly for s in result.steps] == [False, True, False]
    assert result.passed_quality_check is False and result.max_anomaly_score == pytest.approx(1.5)
    assert result.top_step == 1 and result.steps[1].anomaly_signal in ("surprise", "mean_nll", "peak_nll")
    assert checks("failed") - failed_before == 1
    chain, score = _chain("c", [2.0, 2.9])
    assert assess_chain(chain, score, "m", THRESHOLDS, "p99").passed_quality_check is True
    assert assess_chain(chain, score, "m", THRESHOLDS, "p99", signals=("arithmetic",)).max_anomaly_score == 0.0


def test_a_copied_step_a_false_sum_and_a_number_from_nowhere_fail_though_surprise_is_low():
    steps = ["Ann has 3 pens.", "She buys 2 more, so 3 + 2 = 6.", "Ann has 3 pens.", "Then 6 - 1 = 5 and 9 is left."]
    chain, score = _chain("c", [2.0, 2.0, 2.0, 2.0], steps=steps, question="Ann has 3 pens and buys 2. She loses 1.")
    result = assess_chain(chain, score, "m", THRESHOLDS, "p99")
    signals = [s.anomaly_signal if s.anomaly else None for s in result.steps]
    # step 1: one false equation -> (1 - 0) / (max(0, floor 0.5) - 0) = 2.0
    # step 2: a word-for-word copy of step 0 -> (1 - 0.2) / (max(0.5, floor 0.8) - 0.2) = 1.333
    # step 3: 9 is neither given nor derived (5 is derived here, 6 came from step 1) -> 1 / 0.5 = 2.0
    assert signals == [None, "arithmetic", "repetition", "unsupported_numbers"]
    assert [round(s.anomaly_score, 3) for s in result.steps[1:]] == [2.0, 1.333, 2.0]


def test_a_chain_far_from_the_calibration_chains_is_flagged_outside():
    # domain p99.9 0.8 + margin 1.0: a median mean_nll of 2.0 is outside, 1.5 is not
    far = assess_chain(*_chain("c", [8.0, 8.0, 8.0]), "m", THRESHOLDS, "p99", outside_margin_nats=1.0)
    near = assess_chain(*_chain("c", [6.0, 6.0, 6.0]), "m", THRESHOLDS, "p99", outside_margin_nats=1.0)
    assert (far.outside_calibration, near.outside_calibration) == (True, False)


def test_chain_aggregates_are_means_over_steps_and_the_total_surprise():
    result = assess_chain(*_chain("c", [2.0, 4.0], tokens=2), "m", THRESHOLDS)
    assert result.avg_perplexity == pytest.approx(1.0)  # step perplexities are 1.0 in the helper
    assert result.avg_entropy == pytest.approx(0.5)
    assert result.cumulative_surprise == pytest.approx(6.0)
    assert result.n_tokens == 4 and result.status == "ok"


def test_without_thresholds_the_verdict_is_null_not_a_guess():
    result = assess_chain(*_chain("c", [2.0, 30.0]), "m", None)
    assert result.passed_quality_check is None and result.max_anomaly_score is None
    assert {s.anomaly for s in result.steps} == {None} and result.outside_calibration is None
    assert result.top_step == 1  # falls back to raw surprise


def test_an_unknown_signal_name_is_a_config_error():
    with pytest.raises(ConfigError, match="'nope'"):
        assess_chain(*_chain("c", [2.0, 3.0]), "m", THRESHOLDS, signals=("nope",))


OLD_ENTRY = {"statistic": "surprise", "mean": 0.17, "std": 0.4, "n_steps": 837, "n_chains": 200,
             "percentiles": {"p50": 0.01, "p90": 0.5, "p95": 1.0, "p99": 1.9, "p99_9": 3.0},
             "chains_file": "data/trajectories/calibration_good.jsonl", "calibrated_at": "2026-11-23T17:29:19+00:00"}


def test_an_old_format_calibration_loads_but_using_it_says_to_recalibrate():
    config = TrajectoryConfig(model="old/model", thresholds={"old/model": OLD_ENTRY})
    assert isinstance(config.thresholds["old/model"], LegacyThresholds)
    with pytest.raises(CalibrationFormatError, match=r"Re-run `cert trajectory calibrate --chains GOOD.jsonl "
                                                     r"--model old/model`") as info:
        thresholds_for(config)
    assert isinstance(info.value, ConfigError)


def test_store_thresholds_rewrites_only_its_block_and_replaces_an_old_entry(tmp_path, config_dir):
    shutil.copytree(config_dir, tmp_path / "fusion")
    path = tmp_path / "fusion" / "trajectory.yaml"
    header = path.read_text(encoding="utf-8").split("thresholds:")[0]
    path.write_text(header + yaml.safe_dump({"thresholds": {"data/models/x": OLD_ENTRY}}), encoding="utf-8")
    store_thresholds(path, "other/model", THRESHOLDS)
    assert isinstance(load_config(tmp_path / "fusion").trajectory.thresholds["data/models/x"], LegacyThresholds)
    store_thresholds(path, "data/models/x", THRESHOLDS.model_copy(update={"n_chains": 9}))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(header)  # comments and settings above the block are untouched
    loaded = load_config(tmp_path / "fusion").trajectory.thresholds
    assert loaded["other/model"] == THRESHOLDS
    assert loaded["data/models/x"].n_chains == 9
    assert yaml.safe_load(text)["model"] == "data/models/tiny-reasoner"
