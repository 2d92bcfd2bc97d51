"""drift-scan under the session Prefect harness: baseline, a critical edit, dataset, metrics, event."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import numpy as np

import pyarrow.parquet as pq
import pytest
from prometheus_client import generate_latest

from cert_core.io import write_dataset
from cert_core.observability.metrics import METRICS
from flows.drift_scan import drift_scan

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def project(tmp_path, config_dir, monkeypatch):
    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    root = tmp_path / "project"
    (root / "configs/fusion/micro_overlays").mkdir(parents=True)
    shutil.copy(config_dir / "overlay_params.yaml", root / "configs/fusion/overlay_params.yaml")
    (root / "flows").mkdir()
    (root / "flows/f.py").write_text("x = 1\n")
    return root


def _metric(name: str) -> float:
    return METRICS.registry.get_sample_value(name) or 0.0


def test_drift_scan_baseline_then_high_config_drift(project, tmp_path):
    results = tmp_path / "results"
    first = drift_scan(results_dir=str(results), project_root=str(project))
    assert first.baseline_created and first.severity is None and first.findings == 0
    assert "baseline created" in first.message

    rng = np.random.default_rng(5)  # a routing history whose last 100 decisions lost confidence
    confidence = np.concatenate([rng.normal(0.8, 0.05, 500), rng.normal(0.6, 0.05, 100)]).clip(0, 1)
    write_dataset("routing_decisions", [
        {"scenario_id": f"s{i}", "category": "c", "complexity": 0.5, "complexity_level": "medium",
         "selected_overlay": "o", "confidence": float(v), "fallback_options": [], "reasoning": "r",
         "config_version": "v", "flow_run_id": "history", "routed_at": T0 + timedelta(minutes=i)}
        for i, v in enumerate(confidence)], results, "history", validate=False)
    path = project / "configs/fusion/overlay_params.yaml"
    path.write_text(path.read_text().replace('FUSION_MODE: "enhanced_overlay"', 'FUSION_MODE: "minimal"'))
    high_before = METRICS.registry.get_sample_value(
        "cert_drift_events_total", {"kind": "config", "severity": "high"}) or 0.0
    second = drift_scan(deep=True, results_dir=str(results), project_root=str(project))
    assert second.severity == "high" and second.findings == 3  # the file, its parameter, the drifted metric
    assert second.quality_drifted == ("routing_confidence",)
    assert METRICS.registry.get_sample_value("cert_quality_drift_drifted", {"metric": "routing_confidence"}) == 1
    assert METRICS.registry.get_sample_value("cert_quality_drift_drifted", {"metric": "coordination_gamma"}) == 0
    assert second.prefect_event_id is not None  # cert.drift.high was emitted

    rows = pq.read_table(second.drift_events_path).to_pylist()
    config_row = next(r for r in rows if r["drift_type"] == "config")
    assert config_row["subject"] == "configs/fusion/overlay_params.yaml:FUSION_MODE"
    assert (config_row["old_value"], config_row["new_value"]) == ("enhanced_overlay", "minimal")
    assert config_row["severity"] == "high" and config_row["scan_kind"] == "deep"
    quality_row = next(r for r in rows if r["drift_type"] == "quality")
    assert quality_row["subject"] == "routing_confidence" and quality_row["p_value"] < 1e-6
    checks = pq.read_table(second.drift_events_path.replace("drift_events", "quality_drift_checks")).to_pylist()
    assert len(checks) == 7 and sum(c["drifted"] for c in checks) == 1
    assert METRICS.registry.get_sample_value(
        "cert_drift_events_total", {"kind": "config", "severity": "high"}) == high_before + 1
    assert _metric("cert_drift_last_severity") == 3
    assert b"cert_drift_scan_duration_seconds_count" in generate_latest(METRICS.registry)

    third = drift_scan(results_dir=str(results), project_root=str(project))
    # the files are the baseline now; the history has still drifted (a state, reported each scan)
    assert third.severity == "low" and third.quality_drifted == ("routing_confidence",)
    assert third.prefect_event_id is None  # only high and critical are emitted
    assert _metric("cert_drift_last_severity") == 1


def test_validate_project_flow_routes_the_sample(tmp_path):
    from flows.validation import validate_project

    report = validate_project(results_dir=str(tmp_path / "results"))
    assert report.ok and report.routed > 0 and report.routed + report.rejected == report.scenarios


def test_validate_project_flow_fails_with_what_to_fix(tmp_path):
    from cert_core.errors import ValidationFailed
    from flows.validation import validate_project

    with pytest.raises(ValidationFailed, match="routing smoke run"):
        validate_project(scenarios_path=str(tmp_path / "missing.jsonl"))


def test_cert_drift_and_validate_exit_codes(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cert_cli.main import cli

    monkeypatch.setenv("CERT_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(cli, ["drift", "--results-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "baseline created" in result.output and "severity: none" in result.output
    result = CliRunner().invoke(cli, ["validate", "--scenarios", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 1, result.output
    assert "error: ValidationFailed:" in result.output and "Traceback" not in result.output
