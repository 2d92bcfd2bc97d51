"""The one JSONL reader: a line at a time, each line read with a bounded readline.

A line over ``max_line_bytes`` is never held whole: the rest of it is skipped in bounded pieces
and it becomes an error line. Every parse failure (not UTF-8, not JSON, nested too deeply for the
parser) is an error line too; a file that cannot be opened is an InvalidInputError.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from .input_file import open_input

__all__ = ["PREVIEW_CHARS", "JsonLine", "iter_jsonl", "preview"]

PREVIEW_CHARS = 500


def preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line: its decoded value, or why it has none."""

    line_number: int
    value: Any = None
    raw: str | None = None  # a preview of the line's text
    error_type: str | None = None  # LineTooLong, InvalidEncoding, InvalidJSON
    error: str | None = None
    end_offset: int = 0  # bytes of the file read so far (for progress)

    @property
    def ok(self) -> bool:
        return self.error is None


def _decode(number: int, raw: bytes, offset: int) -> JsonLine:
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
    except UnicodeDecodeError as exc:
        shown = raw[:PREVIEW_CHARS].decode("utf-8", errors="replace")
        return JsonLine(number, None, shown, "InvalidEncoding",
                        f"line {number} is not valid UTF-8 (byte {exc.start}); save the file as UTF-8", offset)
    try:
        value = json.loads(text)
    except RecursionError:
        return JsonLine(number, None, preview(text), "InvalidJSON",
                        f"line {number} is nested too deeply to parse; flatten the JSON", offset)
    except json.JSONDecodeError as exc:
        return JsonLine(number, None, preview(text), "InvalidJSON",
                        f"line {number} is not valid JSON ({exc.msg} at column {exc.colno})", offset)
    except (ValueError, TypeError) as exc:  # e.g. a number too long to convert
        return JsonLine(number, None, preview(text), "InvalidJSON",
                        f"line {number} is not usable JSON ({str(exc)[:200]})", offset)
    return JsonLine(number, value, preview(text), end_offset=offset)


def iter_jsonl(path: str | Path, max_line_bytes: int, *, what: str = "input file", hint: str = "",
               limit_name: str = "input_limits.max_line_bytes") -> Iterator[JsonLine]:
    """Every non-blank line of ``path`` in order, good or bad. Blank lines are skipped."""
    handle = open_input(path, what, hint)
    with handle:
        number = 0
        offset = 0
        while True:
            try:
                line = handle.readline(max_line_bytes + 1)
            except OSError as exc:
                raise InvalidInputError(f"{what} {path}: read failed at line {number + 1} ({exc.strerror or exc})",
                                        context={"path": str(path)}) from exc
            if not line:
                return
            number += 1
            offset += len(line)
            if number == 1 and line.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise InvalidInputError(f"{what} {path} is UTF-16, not UTF-8; save it as UTF-8",
                                        context={"path": str(path)})
            if len(line) > max_line_bytes and not line.endswith(b"\n"):
                head = line[:200].decode("utf-8", errors="replace")
                while True:  # skip the rest of the long line in bounded pieces
                    rest = handle.readline(max_line_bytes + 1)
                    offset += len(rest)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield JsonLine(number, None, head + "…", "LineTooLong",
                               f"line {number} is longer than {max_line_bytes} bytes ({limit_name}); "
                               "split it or raise the limit", offset)
                continue
            if not line.strip():
                continue
            yield _decode(number, line, offset)
