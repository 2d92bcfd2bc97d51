"""The tasks file: good lines become tasks, bad lines become rejects with their line number,
and a file that cannot be used at all is an InvalidInputError."""

from __future__ import annotations

import json

import pytest

from cert_core.coordination import read_tasks
from cert_core.errors import InvalidInputError


def _write(path, lines: list[str | bytes]) -> str:
    path.write_bytes(b"".join((l if isinstance(l, bytes) else l.encode()) + b"\n" for l in lines))
    return str(path)


def test_good_and_bad_lines(tmp_path):
    path = _write(tmp_path / "t.jsonl", [
        json.dumps({"id": "a", "task": "What is 2 + 2?", "reference": 4, "kind": "arithmetic", "source": "book"}),
        "",
        json.dumps({"id": 7, "task": "  Capital of France?  ", "reference": "Paris"}),
        json.dumps({"id": "c", "task": "   "}),
        json.dumps({"id": "d"}),
        json.dumps({"id": "a", "task": "again"}),
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "", "task": "x"}),
        json.dumps({"id": "e", "task": "x", "reference": {"a": 1}}),
        "[" * 100_000 + "]" * 100_000,
        b'{"id": "f", "task": "caf\xe9"}',
        json.dumps({"id": "x" * 129, "task": "long id"}),
    ])
    parsed = read_tasks(path)
    assert [(t.id, t.task, t.reference, t.kind, t.line_number) for t in parsed.tasks] == [
        ("a", "What is 2 + 2?", "4", "arithmetic", 1), ("7", "Capital of France?", "Paris", None, 3)]
    assert parsed.tasks[0].extra == (("source", '"book"'),)
    rejects = {(r.line_number, r.task_id, r.error_type) for r in parsed.rejects}
    assert rejects == {
        (4, "c", "MissingTaskText"), (5, "d", "MissingTaskText"), (6, "a#line-6", "DuplicateTaskId"),
        (7, "line-7", "InvalidJSON"), (8, "line-8", "InvalidTask"), (9, "line-9", "InvalidTask"),
        (10, "e", "InvalidTask"), (11, "line-11", "InvalidJSON"), (12, "line-12", "InvalidEncoding"),
        (13, "line-13", "InvalidTask"),
    }
    messages = {r.line_number: r.error_message for r in parsed.rejects}
    assert "has no text" in messages[4] and "already used" in messages[6] and "nested too deeply" in messages[11]
    assert "not valid UTF-8 (byte 24)" in messages[12] and "keep it to 128 or fewer" in messages[13]


def test_a_line_over_the_limit_is_rejected_without_stopping_the_file(tmp_path):
    path = _write(tmp_path / "t.jsonl", [json.dumps({"id": "big", "task": "x" * 5000}),
                                         json.dumps({"id": "ok", "task": "fine"})])
    parsed = read_tasks(path, max_line_bytes=1024)
    assert [t.id for t in parsed.tasks] == ["ok"]
    assert [(r.line_number, r.error_type) for r in parsed.rejects] == [(1, "LineTooLong")]


@pytest.mark.parametrize(("content", "words"), [
    (b"", "is empty"),
    (b"\n  \n\n", "is empty"),
    ('{"id": "a", "task": "b"}\n'.encode("utf-16"), "UTF-16"),
    (b"\xfa\xfb\n\xc3\x28\n", "is not UTF-8 \\(no line decodes\\)"),
])
def test_an_unusable_file_is_a_typed_error(tmp_path, content, words):
    path = tmp_path / "t.jsonl"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match=words):
        read_tasks(path)


def test_a_missing_file_or_a_folder_is_a_typed_error(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_tasks(tmp_path / "nope.jsonl")
    with pytest.raises(InvalidInputError, match="is a folder"):
        read_tasks(tmp_path)


def test_the_shipped_tasks_file(repo_root):
    parsed = read_tasks(repo_root / "data" / "coordination" / "tasks.jsonl")
    assert not parsed.rejects and len(parsed.tasks) >= 40
    assert all(t.reference for t in parsed.tasks)
    kinds = {t.kind for t in parsed.tasks}
    assert {"arithmetic", "word_problem", "factual", "analysis"} <= kinds
