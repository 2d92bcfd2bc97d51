"""The bounded readers: JSONL lines, YAML bombs, symlinks, ids, and runs that publish together."""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cert_core.config.input_limits import InputLimits
from cert_core.errors import ConfigError, InvalidInputError
from cert_core.io import RunDatasets, read_dataset, write_datasets
from cert_core.io.ids import SeenIds, id_problem
from cert_core.io.jsonl import iter_jsonl
from cert_core.io.scenario_source import iter_scenario_groups, read_scenario_rows
from cert_core.io.yaml_bounded import YamlLimitError, load_yaml_text
from cert_core.routing import validate_scenarios
from cert_core.routing.scenario import MAX_ID_LENGTH

CATEGORIES = ["financial_operations", "security_operations"]
GOOD = {"id": "a", "category": "financial_operations", "complexity": 0.5}

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def test_a_line_over_the_limit_is_skipped_in_bounded_reads_and_the_next_line_is_read(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b'{"b": "' + b"x" * 10_000 + b'"}\n' + b'{"c": 3}\n')
    lines = list(iter_jsonl(path, 2048))
    assert [line.line_number for line in lines] == [1, 2, 3]
    assert lines[0].value == {"a": 1} and lines[2].value == {"c": 3}
    assert lines[1].error_type == "LineTooLong" and "longer than 2048 bytes" in lines[1].error
    assert len(lines[1].raw) <= 201  # only a short head of the long line is kept


def test_a_line_nested_100k_deep_is_an_error_line_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n" + json.dumps(GOOD).encode() + b"\n")
    first, second = iter_jsonl(path, 1 << 20)
    assert first.error_type == "InvalidJSON" and "nested too deeply" in first.error
    assert second.value == GOOD


def test_jsonl_rows_come_in_groups_bounded_by_rows_and_bytes(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps({**GOOD, "id": str(i), "description": "d" * 500}) + "\n" for i in range(25)))
    by_rows = [len(g.rows) for g in iter_scenario_groups(path, InputLimits(batch_rows=10))]
    assert by_rows == [10, 10, 5]
    by_bytes = list(iter_scenario_groups(path, InputLimits(group_bytes=2048)))
    assert {len(g.rows) for g in by_bytes[:-1]} == {4}  # 4 lines of ~570 bytes pass 2048
    assert by_bytes[-1].fraction_read == 1.0


def test_parquet_is_read_in_record_batches(tmp_path):
    pq.write_table(pa.Table.from_pylist([{**GOOD, "id": str(i)} for i in range(7)]), tmp_path / "s.parquet")
    groups = list(iter_scenario_groups(tmp_path / "s.parquet", InputLimits(batch_rows=3)))
    assert [len(g.rows) for g in groups] == [3, 3, 1]
    assert [r.row_number for g in groups for r in g.rows] == list(range(1, 8))


def test_yaml_bomb_is_refused_before_expansion():
    with pytest.raises(YamlLimitError, match="more than 1000 nodes"):
        load_yaml_text(BOMB, max_aliases=100, max_nodes=1000)
    with pytest.raises(YamlLimitError, match="more than 5 YAML aliases"):
        load_yaml_text(BOMB, max_aliases=5, max_nodes=10**9)
    # aliases within the bounds still work
    assert load_yaml_text("a: &x [1, 2]\nb: *x\n", max_aliases=5, max_nodes=100) == {"a": [1, 2], "b": [1, 2]}


def test_yaml_bomb_scenario_file_is_a_typed_error(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    with pytest.raises(YamlLimitError, match="billion laughs|expands to more than"):
        read_scenario_rows(path)


def test_recursive_and_oversized_yaml_are_refused(tmp_path):
    with pytest.raises(YamlLimitError, match="refers to itself"):
        load_yaml_text("a: &a [*a]\n", max_aliases=5, max_nodes=100)
    big = tmp_path / "big.yaml"
    big.write_text("- " + "x" * 3000 + "\n")
    with pytest.raises(YamlLimitError, match="larger than 2048 bytes"):
        read_scenario_rows(big, InputLimits(max_yaml_bytes=2048))


def test_a_config_file_with_a_bomb_is_a_config_error(tmp_path):
    from cert_core.config import load_config

    (tmp_path / "slo.yaml").write_text(BOMB)
    with pytest.raises(ConfigError, match="slo.yaml: .*(aliases|expands)"):
        load_config(tmp_path)


def test_symlink_out_of_the_input_folder_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.jsonl"
    secret.write_text("root:x:0:0:secret line\n")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "link.jsonl").symlink_to(secret)
    with pytest.raises(InvalidInputError, match="is a symlink to .* outside the project") as info:
        read_scenario_rows(inputs / "link.jsonl")
    assert "secret line" not in str(info.value)
    # a link to a system file too
    (inputs / "passwd.jsonl").symlink_to("/etc/passwd")
    with pytest.raises(InvalidInputError, match="not followed"):
        read_scenario_rows(inputs / "passwd.jsonl")
    # a link that stays in its folder is followed
    (inputs / "real.jsonl").write_text(json.dumps(GOOD) + "\n")
    (inputs / "alias.jsonl").symlink_to(inputs / "real.jsonl")
    assert read_scenario_rows(inputs / "alias.jsonl")[0].data == GOOD


def test_a_pipe_is_not_read(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)  # reading it would block forever
    with pytest.raises(InvalidInputError, match="not a regular file"):
        read_scenario_rows(fifo)


def test_ids_with_nul_or_too_long_for_the_operation_id_are_rejected(tmp_path):
    rows = [{**GOOD, "id": "a\x00b"}, {**GOOD, "id": "x" * (MAX_ID_LENGTH + 1)}, {**GOOD, "id": "y" * MAX_ID_LENGTH}]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = validate_scenarios(read_scenario_rows(path), CATEGORIES)
    assert [v.scenario.id for v in out.valid] == ["y" * MAX_ID_LENGTH]
    nul, long = out.rejects
    assert "control character '\\x00'" in nul.error_message and nul.scenario_id == "a\\x00b"
    assert f"keep it to {MAX_ID_LENGTH} or fewer" in long.error_message and "operation id" in long.error_message
    assert MAX_ID_LENGTH == 163  # 200 - 36 (run id) - 1 (':')
    assert id_problem("ok", 10) is None


def test_seen_ids_keeps_the_first_row():
    seen = SeenIds()
    assert seen.first_seen("a", 1) is None and seen.first_seen("b", 2) is None
    assert seen.first_seen("a", 7) == 1 and len(seen) == 2


def test_a_failed_run_publishes_no_part(tmp_path):
    good = [{"source": "s", "row_number": 1, "error_type": "E", "error_message": "m", "flow_run_id": "r",
             "rejected_at": pa.scalar(0, pa.timestamp("us", tz="UTC")).as_py()}]
    bad_decision = [{"scenario_id": "a"}]  # non-nullable columns missing: the gate refuses it
    with pytest.raises(InvalidInputError):
        write_datasets({"scenario_rejects": good, "routing_decisions": bad_decision}, tmp_path, "run1")
    assert read_dataset("scenario_rejects", tmp_path).num_rows == 0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no temp file left either
    with pytest.raises(RuntimeError), RunDatasets(tmp_path, "run2", ["scenario_rejects"]) as run:
        run["scenario_rejects"].write(good)
        raise RuntimeError("the run failed")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    written = write_datasets({"scenario_rejects": good}, tmp_path, "run3")
    assert [w.rows for w in written] == [1] and read_dataset("scenario_rejects", tmp_path).num_rows == 1


def test_fusion_reads_scenarios_through_the_same_bounded_path(tmp_path):
    """`cert fuse` loads its scenarios with load_scenarios_task: a 100k-deep line, a line over the
    limit and a NUL id are reject rows, not a RecursionError or a database error."""
    from cert_core.config import load_config
    from tasks.routing import load_scenarios_task

    config = load_config()
    config = config.model_copy(update={"input_limits": InputLimits(max_line_bytes=300_000)})
    path = tmp_path / "s.jsonl"
    ok = {"category": "security_operations", "complexity": 0.3}
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n" + b'{"id": "' + b"z" * 400_000 + b'"}\n'
                     + json.dumps({"id": "n\x00", **ok}).encode() + b"\n" + json.dumps({"id": "fine", **ok}).encode())
    checked = load_scenarios_task.fn(str(path), config)
    assert [v.scenario.id for v in checked.valid] == ["fine"]
    messages = [r.error_message for r in checked.rejects]
    assert "nested too deeply" in messages[0] and "longer than 300000 bytes" in messages[1]
    assert "control character" in messages[2]
