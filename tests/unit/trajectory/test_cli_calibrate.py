"""`cert trajectory calibrate` writes thresholds for the model into the config it was given."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from cert_cli.main import cli
from cert_core.config import load_config

from .conftest import write_jsonl

MODEL = "data/models/tiny-reasoner"


def test_calibrate_stores_thresholds_for_the_model_and_skips_labelled_chains(tmp_path, config_dir, repo_root):
    shutil.copytree(config_dir, tmp_path / "fusion")
    lines = (repo_root / "data/trajectories/calibration_good.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    records = [json.loads(line) for line in lines]
    records.append({"chain_id": "labelled", "question": "Q", "steps": ["a", "b"], "bad_step": 1})
    good = write_jsonl(tmp_path / "good.jsonl", records)
    result = CliRunner().invoke(cli, ["trajectory", "calibrate", "--chains", str(good), "--model", MODEL,
                                      "--config-dir", str(tmp_path / "fusion")])
    assert result.exit_code == 0, result.output
    assert "skipped 1 chains labelled with bad_step" in result.output
    thresholds = load_config(tmp_path / "fusion").trajectory.thresholds[MODEL]
    assert thresholds.n_chains == 12 and thresholds.n_steps == sum(len(r["steps"]) for r in records[:12])
    assert set(thresholds.signals) == {"surprise", "mean_nll", "peak_nll", "repetition", "arithmetic",
                                       "unsupported_numbers", "unanchored"}
    assert all(d.percentiles["p50"] <= d.percentiles["p99"] for d in thresholds.signals.values())
    assert (thresholds.chains_file, thresholds.model) == (str(good), MODEL) and thresholds.calibrated_at
    assert f"calibrated model {MODEL}, 12 chains from {good}" in result.output
    assert "warning: only 12 good chains" in result.output


def test_calibrate_on_an_empty_file_is_one_error_line(tmp_path, config_dir):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["trajectory", "calibrate", "--chains", str(empty),
                                      "--config-dir", str(config_dir)])
    assert result.exit_code == 1
    assert result.output.startswith("error: InvalidInputError: chains file") and "Traceback" not in result.output
