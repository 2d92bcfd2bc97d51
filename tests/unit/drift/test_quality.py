"""Quality drift: hand-computed PSI and BH, agreement with scipy's KS, insufficient data, false alarms."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy.stats import ks_2samp

from cert_core.drift.quality import (
    benjamini_hochberg,
    evaluate_windows,
    judge_checks,
    population_stability_index,
    run_quality_drift,
)
from cert_core.io import write_dataset
from cert_core.statuses import QualityCheckStatus

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def settings(policy):
    return policy.quality_drift


def _routing_rows(values, start=T0):
    return [{"scenario_id": f"s{i}", "category": "c", "complexity": 0.5, "complexity_level": "medium",
             "selected_overlay": "o", "confidence": float(v), "fallback_options": [], "reasoning": "r",
             "config_version": "v", "flow_run_id": "run", "routed_at": start + timedelta(minutes=i)}
            for i, v in enumerate(values)]


def test_psi_hand_computed_for_a_flag():
    reference = np.array([0.0] * 50 + [1.0] * 50)
    recent = np.array([0.0] * 20 + [1.0] * 80)
    expected = (0.2 - 0.5) * math.log(0.2 / 0.5) + (0.8 - 0.5) * math.log(0.8 / 0.5)  # 0.415888
    assert population_stability_index(reference, recent, bins=10) == pytest.approx(expected)
    assert population_stability_index(reference, reference.copy(), bins=10) == 0.0


def test_benjamini_hochberg_hand_computed():
    # sorted 0.01, 0.03, 0.04, 0.20 -> 0.04, min(0.06, 0.0533), 0.0533, 0.20
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.20]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.20])


def test_missing_and_empty_datasets_are_insufficient_data_not_drift(settings, tmp_path):
    write_dataset("coordination_runs", [], tmp_path, "empty-run")  # an empty part: the dataset exists
    checks = run_quality_drift(settings, tmp_path)
    assert [c.metric for c in checks] == [m.name for m in settings.metrics]
    assert all(c.status is QualityCheckStatus.INSUFFICIENT_DATA and not c.drifted for c in checks)
    assert "insufficient data: 0 reference and 0 recent rows in coordination_runs" in checks[0].reason


def test_shifted_recent_window_is_flagged_with_scipys_p_value(settings, tmp_path):
    rng = np.random.default_rng(11)
    values = np.concatenate([rng.normal(0.70, 0.05, 700), rng.normal(0.80, 0.05, 100)]).clip(0, 1)
    order = rng.permutation(len(values))  # rows arrive in any order; time decides the windows
    rows = _routing_rows(values)
    write_dataset("routing_decisions", [rows[i] for i in order[:400]], tmp_path, "a", validate=False)
    write_dataset("routing_decisions", [rows[i] for i in order[400:]], tmp_path, "b", validate=False)
    [check] = [c for c in run_quality_drift(settings, tmp_path) if c.metric == "routing_confidence"]
    assert (check.status, check.n_reference, check.n_recent, check.drifted) == (QualityCheckStatus.TESTED, 500, 100, True)
    expected = ks_2samp(values[200:700], values[700:])
    assert check.results["ks"].p_value == expected.pvalue
    assert check.results["ks"].score == expected.statistic
    assert check.results["ks"].p_adjusted == expected.pvalue  # the only metric tested: BH leaves it
    assert check.results["psi"].score > settings.tests.psi_threshold


def test_unshifted_permutations_false_alarm_at_most_5_percent(settings):
    rng = np.random.default_rng(2026)
    pool = rng.normal(0.7, 0.1, settings.reference_rows + settings.recent_rows)
    alarms = 0
    for _ in range(200):
        shuffled = rng.permutation(pool)
        checks = [evaluate_windows("m", "d", shuffled[: settings.reference_rows],
                                   shuffled[settings.reference_rows:], settings)]
        alarms += judge_checks(checks, settings)[0].drifted
    assert alarms / 200 <= 0.05


def test_bh_needs_the_evidence_of_the_whole_scan(settings):
    base = evaluate_windows("a", "d", np.zeros(50), np.zeros(50), settings)
    from dataclasses import replace

    from cert_core.drift import DriftResult

    def with_p(name, p):
        return replace(base, metric=name, results={"ks": DriftResult(0.3, p <= 0.05, 0.05, p),
                                                   "psi": DriftResult(0.5, True, 0.25)})

    judged = judge_checks([with_p("a", 0.04), with_p("b", 0.5), with_p("c", 0.9)], settings)
    assert [c.drifted for c in judged] == [False, False, False]  # 0.04 * 3 = 0.12 after BH
    judged = judge_checks([with_p("a", 0.01), with_p("b", 0.02)], settings)
    assert [c.drifted for c in judged] == [True, True]


def test_error_rate_and_only_ok_filters(settings, tmp_path):
    rows = []
    for i in range(600):
        failing = i >= 500 and i % 2 == 0  # the recent window fails half the time
        rows.append({"scenario_id": f"s{i}", "backend": "simulated", "status": "error" if failing else "ok",
                     "latency_ms": None if failing else 100.0 + (i % 7), "flow_run_id": "r",
                     "run_at": T0 + timedelta(seconds=i)})
    write_dataset("fusion_runs", rows, tmp_path, "r", validate=False)
    checks = {c.metric: c for c in run_quality_drift(settings, tmp_path)}
    error_rate = checks["fusion_error_rate"]
    assert (error_rate.n_reference, error_rate.n_recent, error_rate.drifted) == (500, 100, True)
    latency = checks["fusion_latency_ms"]
    assert latency.n_reference + latency.n_recent == 550 and not latency.drifted
