from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from cert_core.errors import InvalidInputError
from cert_core.io import SCHEMAS, read_dataset, to_table, write_dataset

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def _fusion_row(**kw):
    row = dict(scenario_id="s1", backend="simulated", status="ok", input_tokens=10, output_tokens=5, cost_usd=0.0001,
               flow_run_id="r", run_at=NOW)
    row.update(kw)
    return row


def test_every_design_dataset_has_a_schema():
    assert set(SCHEMAS) == {
        "routing_decisions", "scenario_rejects", "fusion_runs", "coordination_runs", "agent_responses",
        "trajectory_steps", "trajectory_chains", "drift_events", "quality_drift_checks",
    }


def test_all_null_columns_keep_their_types_across_runs(tmp_path):
    write_dataset("fusion_runs", [_fusion_row()], tmp_path, "run1", partition_date=date(2026, 11, 22))
    write_dataset("fusion_runs", [_fusion_row(status="error", input_tokens=None, error_type="RateLimited")], tmp_path, "run2")
    table = read_dataset("fusion_runs", tmp_path)
    assert table.num_rows == 2
    assert table.schema.field("token_delta_pct").type == pa.float64()
    assert table.schema.field("tripwire_breach").type == pa.bool_()
    assert table.schema.field("run_at").type == pa.timestamp("us", tz="UTC")
    assert len(set(table.column("date").to_pylist())) == 2


def test_layout_is_hive_partitioned_and_no_temp_files_remain(tmp_path):
    part = write_dataset("fusion_runs", [_fusion_row()], tmp_path, "abc/../def", partition_date=date(2026, 1, 2))
    assert part.path.parent == tmp_path / "fusion_runs" / "date=2026-01-02"
    assert part.path.name == "part-abc_.._def.parquet"  # run ids cannot escape the folder
    assert [p.name for p in part.path.parent.iterdir()] == [part.path.name]


def test_failed_expectations_publish_nothing(tmp_path):
    with pytest.raises(InvalidInputError, match="ExpectColumnValuesToBeInSet\\(status\\)"):
        write_dataset("fusion_runs", [_fusion_row(status="maybe")], tmp_path, "r")
    with pytest.raises(InvalidInputError, match="input_tokens"):
        write_dataset("fusion_runs", [_fusion_row(input_tokens=-1)], tmp_path, "r")
    assert not (tmp_path / "fusion_runs").exists() or not any((tmp_path / "fusion_runs").rglob("*.parquet"))


def test_rows_of_the_wrong_type_are_a_typed_error(tmp_path):
    with pytest.raises(InvalidInputError, match="do not match the schema"):
        to_table("fusion_runs", [_fusion_row(input_tokens="many")])


def test_pandas_pyarrow_and_duckdb_read_the_dataset_folder(tmp_path):
    write_dataset("fusion_runs", [_fusion_row(), _fusion_row(scenario_id="s2")], tmp_path, "r1")
    write_dataset("fusion_runs", [_fusion_row(scenario_id="s3")], tmp_path, "r2")
    folder = tmp_path / "fusion_runs"
    assert len(pd.read_parquet(folder)) == 3
    assert ds.dataset(folder, format="parquet", partitioning="hive").count_rows() == 3
    n = duckdb.sql(f"select count(*) from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)").fetchall()[0][0]
    assert n == 3


def test_reading_a_missing_dataset_gives_an_empty_typed_table(tmp_path):
    table = read_dataset("drift_events", tmp_path)
    assert table.num_rows == 0 and table.schema == SCHEMAS["drift_events"]


def test_rows_written_is_counted_once_per_published_row(tmp_path):
    from cert_core.observability import METRICS

    counter = METRICS.rows_written.labels("fusion_runs")
    before = counter._value.get()
    write_dataset("fusion_runs", [_fusion_row(), _fusion_row(scenario_id="s2"), _fusion_row(scenario_id="s3")], tmp_path, "r")
    with pytest.raises(InvalidInputError):
        write_dataset("fusion_runs", [_fusion_row(status="bogus")], tmp_path, "r2")  # not published, not counted
    assert counter._value.get() - before == 3


def test_an_unwritable_results_dir_is_a_recoverable_resource_error(tmp_path):
    from cert_core.errors import ResourceError

    not_a_folder = tmp_path / "results"
    not_a_folder.write_text("a file where the results folder should be")
    with pytest.raises(ResourceError, match="check that the results dir is a writable folder") as info:
        write_dataset("fusion_runs", [_fusion_row()], not_a_folder, "r")
    assert info.value.recoverable is True and isinstance(info.value.__cause__, OSError)
