"""Chain JSONL parsing: every bad input is a typed error or a typed reject, never a crash."""

from __future__ import annotations

import pytest

from cert_core.errors import InvalidInputError, ResourceLoadError
from cert_core.trajectory import ChainInput, ChainReject, read_chains
from cert_core.trajectory.chain_input import parse_chain

from .conftest import write_jsonl


def test_strings_and_text_objects_are_both_steps_and_extra_fields_are_ignored(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"chain_id": "a", "question": "Q?", "steps": ["one", {"text": "two", "note": "x"}], "bad_step": 1, "x": 5},
    ])
    parsed = read_chains(path, max_chain_length=8)
    assert parsed.rejects == ()
    assert parsed.chains == (ChainInput("a", "Q?", ("one", "two"), 1, 1, False),)


@pytest.mark.parametrize(
    ("record", "error_type", "fragment"),
    [
        ({"chain_id": "a", "steps": ["only one"]}, "InsufficientSteps", "got 1"),
        ({"chain_id": "a", "steps": []}, "InsufficientSteps", "got 0"),
        ({"chain_id": "a", "steps": ["ok", 7]}, "InvalidStep", "step 1 must be a string"),
        ({"chain_id": "a", "steps": ["ok", {"text": None}]}, "InvalidStep", "step 1 must be a string"),
        ({"chain_id": "a", "steps": ["ok", "   "]}, "InvalidStep", "step 1 is empty"),
        ({"chain_id": "a", "steps": "not a list"}, "InvalidChain", "steps must be a list"),
        ({"chain_id": "a", "question": 3, "steps": ["x", "y"]}, "InvalidChain", "question must be a string"),
        ({"chain_id": "a", "steps": ["x", "y"], "bad_step": "2"}, "InvalidChain", "bad_step"),
        ({"chain_id": 12, "steps": ["x", "y"]}, "InvalidChain", "chain_id must be a non-empty string"),
        (["not", "an", "object"], "InvalidChain", "expected a JSON object"),
    ],
)
def test_bad_records_become_typed_rejects(record, error_type, fragment):
    parsed = parse_chain(record, line_number=3, max_chain_length=8)
    assert isinstance(parsed, ChainReject)
    assert parsed.error_type == error_type
    assert fragment in parsed.error_message


def test_ten_thousand_steps_are_cut_to_max_chain_length_and_flagged():
    parsed = parse_chain({"chain_id": "long", "steps": [f"step {i}" for i in range(10_000)]}, 1, 64)
    assert isinstance(parsed, ChainInput)
    assert len(parsed.steps) == 64 and parsed.steps[-1] == "step 63"
    assert parsed.steps_truncated is True


def test_exactly_max_chain_length_steps_is_not_truncated():
    parsed = parse_chain({"chain_id": "c", "steps": ["a", "b", "c"]}, 1, 3)
    assert parsed.steps_truncated is False


def test_invalid_json_lines_and_duplicate_ids_are_rejects_and_the_rest_parse(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"chain_id": "a", "steps": ["x", "y"]},
        "{not json",
        "",
        {"chain_id": "a", "steps": ["x", "z"]},
        {"chain_id": "b", "steps": ["x", "y"]},
    ])
    parsed = read_chains(path, 8)
    assert [c.chain_id for c in parsed.chains] == ["a", "b"]
    assert [(r.chain_id, r.error_type) for r in parsed.rejects] == [
        ("line-2", "InvalidJSON"), ("a#line-4", "DuplicateChainId"),
    ]
    assert parsed.total == 4


def test_empty_file_is_an_invalid_input_error_that_shows_the_format(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="is empty; expected JSONL"):
        read_chains(path, 8)


def test_non_utf8_line_is_a_reject_naming_the_line_and_the_fix(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"chain_id": "a", "steps": ["x", "y"]}\n{"chain_id": "caf\xe9", "steps": ["x", "y"]}\n')
    parsed = read_chains(path, 8)
    assert [c.chain_id for c in parsed.chains] == ["a"]
    (reject,) = parsed.rejects
    assert reject.error_type == "InvalidEncoding"
    assert "line 2 is not valid UTF-8 (byte 17); save the file as UTF-8" in reject.error_message


def test_file_with_no_utf8_line_fails(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"chain_id": "caf\xe9", "steps": ["x", "y"]}\n')
    with pytest.raises(InvalidInputError, match="no line decodes"):
        read_chains(path, 8)


def test_chain_over_the_byte_limit_is_a_reject_and_its_neighbours_parse(tmp_path):
    long_step = "x" * 5000
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"chain_id": "a", "steps": ["x", "y"]},
        {"chain_id": "big", "steps": [long_step, long_step]},
        {"chain_id": "b", "steps": ["x", "y"]},
    ])
    parsed = read_chains(path, 8, max_chain_bytes=4096)
    assert [c.chain_id for c in parsed.chains] == ["a", "b"]
    (reject,) = parsed.rejects
    assert (reject.chain_id, reject.error_type, reject.line_number) == ("line-2", "ChainTooLong", 2)
    assert "longer than 4096 bytes (input_limits.max_chain_bytes)" in reject.error_message


def test_missing_file_is_a_resource_load_error(tmp_path):
    with pytest.raises(ResourceLoadError, match="does not exist"):
        read_chains(tmp_path / "nope.jsonl", 8)


def test_content_hash_depends_on_question_and_steps_only():
    a = ChainInput("a", "Q", ("x", "y"))
    assert a.content_hash() == ChainInput("b", "Q", ("x", "y"), bad_step=1).content_hash()
    assert a.content_hash() != ChainInput("a", "Q", ("x", "y "),).content_hash()
    assert a.content_hash() != ChainInput("a", "Q2", ("x", "y")).content_hash()
