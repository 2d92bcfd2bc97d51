from __future__ import annotations

import json

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

from cert_cli.main import cli
from cert_core.errors import InvalidInputError
from flows.route_scenarios import route_scenarios


def _non_blank_lines(path) -> int:
    return sum(1 for line in path.read_bytes().split(b"\n") if line.strip())


@pytest.fixture(scope="module")
def sample_run(repo_root, tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    return sample, results, route_scenarios(scenarios_path=str(sample), results_dir=str(results), chunk_size=16)


def test_every_input_row_lands_in_exactly_one_dataset(sample_run):
    sample, results, result = sample_run
    decisions = pd.read_parquet(results / "routing_decisions")
    rejects = pd.read_parquet(results / "scenario_rejects")
    assert result.routed == len(decisions) and result.rejected == len(rejects)
    assert len(decisions) + len(rejects) == _non_blank_lines(sample)
    rows = sorted(decisions["row_number"].tolist() + rejects["row_number"].tolist())
    assert len(rows) == len(set(rows))  # no row in both, none twice
    assert decisions["scenario_id"].is_unique


def test_decisions_carry_config_version_run_id_and_the_seed_routing(sample_run):
    _, results, result = sample_run
    decisions = pd.read_parquet(results / "routing_decisions").set_index("scenario_id")
    assert set(decisions["config_version"]) == {result.config_version}
    assert set(decisions["flow_run_id"]) == {result.run_id}
    assert decisions.loc["customer_refund_001", "selected_overlay"] == "rollback_first"
    assert list(decisions.loc["customer_refund_001", "fallback_options"]) == ["observability_first"]
    assert str(decisions["routed_at"].dt.tz) == "UTC"
    # unicode, very long text and extra fields route normally
    assert {"unicode_payout_ü_001", "long_text_integration_001", "extra_fields_security_001", "4242"} <= set(decisions.index)


def test_rejects_say_why(sample_run):
    _, results, _ = sample_run
    rejects = pd.read_parquet(results / "scenario_rejects").set_index("row_number")
    messages = " | ".join(rejects["error_message"])
    for fragment in ("unknown category 'marketing_operations'", "got 1.7", "missing id", "not valid JSON", "duplicate id"):
        assert fragment in messages


def test_readers_see_the_dataset_folder(sample_run):
    _, results, result = sample_run
    folder = results / "routing_decisions"
    assert ds.dataset(folder, format="parquet", partitioning="hive").count_rows() == result.routed
    n = duckdb.sql(f"select count(*) from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)").fetchall()[0][0]
    assert n == result.routed


def test_summary_artifacts_are_published(sample_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    _, _, result = sample_run
    with get_client(sync_client=True) as client:
        table = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["routing-summary"])))
        report = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["routing-report"])))
    assert table and report
    rows = json.loads(table[0].data) if isinstance(table[0].data, str) else table[0].data
    overlay_total = sum(r["count"] for r in rows if r["kind"] == "overlay")
    assert overlay_total == result.routed
    assert f"routed: **{result.routed}**" in report[0].data


def test_unreadable_input_fails_the_run_with_the_cert_error(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    state = route_scenarios(scenarios_path=str(empty), results_dir=str(tmp_path), return_state=True)
    assert state.is_failed()
    with pytest.raises(InvalidInputError, match="contains no scenarios"):
        state.result()


def test_non_utf8_line_is_rejected_and_the_rest_route(tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = {"id": "ok1", "category": "security_operations", "complexity": 0.2, "description": "audit log monitoring"}
    path.write_bytes(json.dumps(good).encode() + b"\n" + b'{"id": "bad\xff"}\n')
    result = route_scenarios(scenarios_path=str(path), results_dir=str(tmp_path / "out"))
    assert (result.routed, result.rejected) == (1, 1)
    rejects = pd.read_parquet(tmp_path / "out" / "scenario_rejects")
    assert "not valid UTF-8" in rejects["error_message"].iloc[0]


def test_cli_route_prints_counts_and_paths(repo_root, tmp_path):
    sample = repo_root / "data" / "scenarios" / "sample.jsonl"
    result = CliRunner().invoke(cli, ["route", "--scenarios", str(sample), "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "routed:       65" in result.output and "rejected:      7" in result.output
    assert str(tmp_path / "routing_decisions") in result.output


def test_cli_route_failure_is_one_clear_line_and_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["route", "--scenarios", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 1
    assert "error: InvalidInputError: scenario file" in result.output
    assert "Traceback" not in result.output
