"""Read the coordination tasks file: JSONL, one task a line, streamed with a bound per line.

    {"id": "arith-01", "task": "What is 17 * 23?", "reference": "391", "kind": "arithmetic"}

``id`` (string, or a whole number written as a string) and ``task`` (non-empty text) are required;
``reference`` (text or a number) and ``kind`` are optional; other fields are kept aside. A line that
is too long, not UTF-8, not JSON, too deeply nested, not an object, or not a valid task becomes a
``TaskReject`` with its line number and the rest are read. A duplicate id rejects the later line.
A file that is missing, empty, or not UTF-8 at all is an InvalidInputError that fails the run.

Lines are read by the shared bounded reader (cert_core.io.jsonl, input_limits.max_line_bytes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..config.input_limits import InputLimits
from ..errors import InvalidInputError
from ..io.ids import id_problem
from ..io.jsonl import iter_jsonl
from .types import CoordinationTask

__all__ = ["MAX_ID_LENGTH", "TaskFile", "TaskReject", "parse_task", "read_tasks"]

MAX_ID_LENGTH = 128  # the ledger's operation id is "<run id>:<task id>:<call>", at most 200 characters
FORMAT_HINT = 'one JSON object a line: {"id": "t1", "task": "What is 2 + 2?", "reference": "4"}'


@dataclass(frozen=True)
class TaskReject:
    task_id: str
    line_number: int
    error_type: str
    error_message: str


@dataclass(frozen=True)
class TaskFile:
    path: str
    tasks: tuple[CoordinationTask, ...]
    rejects: tuple[TaskReject, ...]


def parse_task(record: object, line: int) -> CoordinationTask | TaskReject:
    fallback = f"line-{line}"
    if not isinstance(record, dict):
        return TaskReject(fallback, line, "InvalidTask", f"line {line}: expected a JSON object; {FORMAT_HINT}")
    raw_id = record.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        return TaskReject(fallback, line, "InvalidTask", f"line {line}: id must be a non-empty string, got {raw_id!r}")
    task_id = raw_id.strip()
    if (problem := id_problem(task_id, MAX_ID_LENGTH)) is not None:
        return TaskReject(fallback, line, "InvalidTask", f"line {line}: {problem}")
    text = record.get("task")
    if not isinstance(text, str) or not text.strip():
        got = "nothing" if text is None else repr(text)[:60]
        return TaskReject(task_id, line, "MissingTaskText",
                          f"task {task_id} (line {line}) has no text: 'task' must be a non-empty string, got {got}")
    reference = record.get("reference")
    if isinstance(reference, (int, float)) and not isinstance(reference, bool):
        reference = format(reference, "g") if isinstance(reference, float) else str(reference)
    if reference is not None and not isinstance(reference, str):
        return TaskReject(task_id, line, "InvalidTask",
                          f"task {task_id} (line {line}): reference must be text or a number, got {type(reference).__name__}")
    kind = record.get("kind")
    if kind is not None and not isinstance(kind, str):
        return TaskReject(task_id, line, "InvalidTask",
                          f"task {task_id} (line {line}): kind must be text, got {type(kind).__name__}")
    extra = tuple((k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in record.items()
                  if k not in ("id", "task", "reference", "kind"))
    return CoordinationTask(task_id, text.strip(), reference.strip() if reference else None, kind, line, extra)


def read_tasks(path: str | Path, max_line_bytes: int | None = None) -> TaskFile:
    """Every task of a JSONL file, streamed with the shared bounded reader (cert_core.io.jsonl)."""
    path = Path(path)
    limit = max_line_bytes if max_line_bytes is not None else InputLimits().max_line_bytes
    tasks: list[CoordinationTask] = []
    rejects: list[TaskReject] = []
    seen: set[str] = set()
    lines = undecodable = 0
    for line in iter_jsonl(path, limit, what="tasks file", hint=f"pass a JSONL file ({FORMAT_HINT})"):
        number = line.line_number
        lines += 1
        if not line.ok:
            undecodable += line.error_type == "InvalidEncoding"
            rejects.append(TaskReject(f"line-{number}", number, line.error_type or "InvalidJSON",
                                      line.error or "unreadable line"))
            continue
        try:
            parsed = parse_task(line.value, number)
        except (TypeError, ValueError, RecursionError) as exc:  # a value the checks did not foresee
            parsed = TaskReject(f"line-{number}", number, "InvalidTask", f"line {number}: cannot be used ({str(exc)[:200]})")
        if isinstance(parsed, CoordinationTask):
            if parsed.id in seen:
                parsed = TaskReject(f"{parsed.id}#line-{number}", number, "DuplicateTaskId",
                                    f"line {number}: task id {parsed.id!r} is already used; ids must be unique")
            else:
                seen.add(parsed.id)
        (tasks if isinstance(parsed, CoordinationTask) else rejects).append(parsed)
    if lines == 0:
        raise InvalidInputError(f"tasks file {path} is empty; write {FORMAT_HINT}", context={"path": str(path)})
    if undecodable == lines:
        raise InvalidInputError(f"tasks file {path} is not UTF-8 (no line decodes); save it as UTF-8",
                                context={"path": str(path)})
    return TaskFile(str(path), tuple(tasks), tuple(rejects))
