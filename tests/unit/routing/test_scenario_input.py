from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cert_core.errors import InvalidInputError
from cert_core.io.scenario_source import read_scenario_rows
from cert_core.routing import validate_scenarios

CATEGORIES = ["financial_operations", "security_operations", "system_integration", "compliance_management", "infrastructure_management"]
GOOD = {"id": "a", "category": "financial_operations", "complexity": 0.5}


def _jsonl(tmp_path, lines: list[bytes]):
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_blank_lines_are_skipped_and_row_numbers_are_file_lines(tmp_path):
    path = _jsonl(tmp_path, [json.dumps(GOOD).encode(), b"", b"   ", json.dumps({**GOOD, "id": "b"}).encode()])
    rows = read_scenario_rows(path)
    assert [r.row_number for r in rows] == [1, 4]
    assert all(r.error is None for r in rows)


def test_bad_lines_become_error_rows_not_failures(tmp_path):
    path = _jsonl(tmp_path, [b'{"id": "a", "category": "x"', b"[1, 2]", b'{"id": "\xff\xfe"}', json.dumps(GOOD).encode()])
    rows = read_scenario_rows(path)
    assert [r.row_number for r in rows] == [1, 2, 3, 4]
    assert "not valid JSON" in rows[0].error
    assert "JSON list, expected an object" in rows[1].error
    assert "not valid UTF-8" in rows[2].error
    assert rows[3].error is None


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file_fails_the_run_with_a_clear_message(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match="contains no scenarios"):
        read_scenario_rows(path)


def test_missing_file_and_unknown_format_are_typed_errors(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_scenario_rows(tmp_path / "nope.jsonl")
    (tmp_path / "s.csv").write_text("id\n")
    with pytest.raises(InvalidInputError, match="unknown format '.csv'"):
        read_scenario_rows(tmp_path / "s.csv")


def test_yaml_list_or_mapping_with_scenarios(tmp_path):
    (tmp_path / "a.yaml").write_text("- {id: a, category: financial_operations, complexity: 0.5}\n- just text\n")
    (tmp_path / "b.yml").write_text("scenarios:\n  - {id: b, category: security_operations, complexity: 0.1}\n")
    a, b = read_scenario_rows(tmp_path / "a.yaml"), read_scenario_rows(tmp_path / "b.yml")
    assert a[0].data["id"] == "a" and "expected a mapping" in a[1].error
    assert b[0].data["category"] == "security_operations"


def test_non_utf8_yaml_fails_the_run(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"- {id: \xff}\n")
    with pytest.raises(InvalidInputError, match="not valid UTF-8"):
        read_scenario_rows(tmp_path / "a.yaml")


def test_parquet_input(tmp_path):
    pq.write_table(pa.Table.from_pylist([GOOD, {**GOOD, "id": "b"}]), tmp_path / "s.parquet")
    assert [r.data["id"] for r in read_scenario_rows(tmp_path / "s.parquet")] == ["a", "b"]
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidInputError, match="not a readable Parquet file"):
        read_scenario_rows(tmp_path / "bad.parquet")


def test_every_row_ends_valid_or_rejected_with_its_reason(tmp_path):
    lines = [
        json.dumps(GOOD),
        json.dumps({"id": "b", "category": "marketing", "complexity": 0.5}),
        json.dumps({"id": "c", "category": "financial_operations", "complexity": 1.5}),
        json.dumps({"category": "financial_operations", "complexity": 0.5}),
        json.dumps({"id": "d", "category": "financial_operations", "complexity": "0.5"}),
        json.dumps({"id": "e", "category": "financial_operations", "complexity": 0.5, "prompt": ["not", "text"]}),
        json.dumps({**GOOD}),  # duplicate id
        json.dumps({"id": "f", "category": "security_operations", "complexity": 0, "owner": "x", "tags": [1]}),
        "{broken",
    ]
    rows = read_scenario_rows(_jsonl(tmp_path, [line.encode() for line in lines]))
    out = validate_scenarios(rows, CATEGORIES)
    assert len(out.valid) + len(out.rejects) == len(lines)
    assert [v.scenario.id for v in out.valid] == ["a", "f"]
    assert out.valid[1].scenario.extras == {"owner": "x", "tags": [1]}
    reasons = {r.row_number: r.error_message for r in out.rejects}
    assert "unknown category 'marketing'" in reasons[2]
    assert "got 1.5" in reasons[3]
    assert "missing id" in reasons[4]
    assert "remove the quotes" in reasons[5]
    assert "prompt must be text" in reasons[6]
    assert "duplicate id 'a' (first seen on row 1)" in reasons[7]
    assert "not valid JSON" in reasons[9]
    assert all(r.error_type == "InvalidInputError" for r in out.rejects)


def test_shipped_sample_has_enough_realistic_rows_and_a_few_invalid(repo_root):
    rows = read_scenario_rows(repo_root / "data" / "scenarios" / "sample.jsonl")
    out = validate_scenarios(rows, CATEGORIES)
    assert len(out.valid) >= 60
    assert {v.scenario.category for v in out.valid} == set(CATEGORIES)
    assert 3 <= len(out.rejects) <= 10
