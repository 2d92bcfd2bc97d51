"""Read and validate the chain JSONL input.

One chain a line: ``chain_id`` (string), ``question`` (string, optional: empty when missing),
``steps`` (a list of strings or of objects with ``text``), optional ``bad_step`` (int or null).
Extra fields are ignored. The file is streamed with the shared bounded reader (cert_core.io.jsonl):
a chain over ``input_limits.max_chain_bytes`` is never held whole. A file that cannot be used at all
(missing, empty, no line UTF-8) raises a typed CertError; a bad line becomes a ``ChainReject`` (an
error row later) and the rest go on.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.input_limits import InputLimits
from ..errors import InvalidInputError, ResourceLoadError
from ..io.jsonl import iter_jsonl

__all__ = ["ChainFile", "ChainInput", "ChainReject", "parse_chain", "read_chains"]

FORMAT_HINT = 'expected JSONL, one chain a line: {"chain_id": "c1", "question": "...", "steps": ["...", "..."]}'
MIN_STEPS = 2


@dataclass(frozen=True)
class ChainInput:
    chain_id: str
    question: str
    steps: tuple[str, ...]
    bad_step: int | None = None
    line_number: int = 0
    steps_truncated: bool = False  # more than max_chain_length steps were given

    def content_hash(self) -> str:
        payload = json.dumps([self.question, list(self.steps)], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReject:
    """A line that is not a scorable chain; it becomes a status="error" row."""

    chain_id: str
    error_type: str
    error_message: str
    line_number: int = 0


@dataclass(frozen=True)
class ChainFile:
    path: str
    chains: tuple[ChainInput, ...]
    rejects: tuple[ChainReject, ...]

    @property
    def total(self) -> int:
        return len(self.chains) + len(self.rejects)


def _reject(chain_id: str, error_type: str, message: str, line: int) -> ChainReject:
    return ChainReject(chain_id, error_type, message, line)


def parse_chain(record: Any, line_number: int, max_chain_length: int) -> ChainInput | ChainReject:
    """Validate one decoded JSON record (as the seed does: >= 2 steps, long chains cut and flagged)."""
    fallback_id = f"line-{line_number}"
    if not isinstance(record, dict):
        return _reject(fallback_id, "InvalidChain", f"line {line_number}: expected a JSON object; {FORMAT_HINT}",
                       line_number)
    chain_id = record.get("chain_id")
    if not isinstance(chain_id, str) or not chain_id.strip():
        return _reject(fallback_id, "InvalidChain",
                       f"line {line_number}: chain_id must be a non-empty string, got {chain_id!r}", line_number)
    question = record.get("question", "")
    if question is None:
        question = ""
    if not isinstance(question, str):
        return _reject(chain_id, "InvalidChain",
                       f"chain {chain_id}: question must be a string, got {type(question).__name__}", line_number)
    raw_steps = record.get("steps")
    if not isinstance(raw_steps, list):
        return _reject(chain_id, "InvalidChain",
                       f"chain {chain_id}: steps must be a list of strings or of objects with 'text'", line_number)
    if len(raw_steps) < MIN_STEPS:
        return _reject(chain_id, "InsufficientSteps",
                       f"chain {chain_id}: need at least {MIN_STEPS} steps, got {len(raw_steps)}", line_number)
    truncated = len(raw_steps) > max_chain_length
    steps: list[str] = []
    for index, step in enumerate(raw_steps[:max_chain_length]):
        text = step.get("text") if isinstance(step, dict) else step
        if not isinstance(text, str):
            return _reject(chain_id, "InvalidStep",
                           f"chain {chain_id}: step {index} must be a string (or an object with a string 'text'), "
                           f"got {type(text).__name__}", line_number)
        if not text.strip():
            return _reject(chain_id, "InvalidStep", f"chain {chain_id}: step {index} is empty", line_number)
        steps.append(text)
    bad_step = record.get("bad_step")
    if bad_step is not None and (isinstance(bad_step, bool) or not isinstance(bad_step, int)):
        return _reject(chain_id, "InvalidChain",
                       f"chain {chain_id}: bad_step must be a step index or null, got {bad_step!r}", line_number)
    return ChainInput(chain_id, question, tuple(steps), bad_step, line_number, truncated)


def read_chains(path: str | Path, max_chain_length: int, max_chain_bytes: int | None = None) -> ChainFile:
    """Parse a chain JSONL file, streamed a line at a time, into valid chains and per-line rejects.

    A line over ``max_chain_bytes`` (input_limits) is skipped unread and becomes a ChainTooLong
    reject before any tokenization; lines that are not UTF-8 or not JSON, and duplicate ids, are
    rejects too. Only a file that cannot be used at all raises.
    """
    path = Path(path)
    limit = max_chain_bytes if max_chain_bytes is not None else InputLimits().max_chain_bytes
    if not os.path.lexists(path):
        raise ResourceLoadError(f"chains file {path} does not exist; pass an existing JSONL file",
                                context={"path": str(path)})
    chains: list[ChainInput] = []
    rejects: list[ChainReject] = []
    seen: set[str] = set()
    lines = undecodable = 0
    for line in iter_jsonl(path, limit, what="chains file", hint=FORMAT_HINT,
                           limit_name="input_limits.max_chain_bytes"):
        number = line.line_number
        lines += 1
        if not line.ok:
            undecodable += line.error_type == "InvalidEncoding"
            error_type = "ChainTooLong" if line.error_type == "LineTooLong" else line.error_type or "InvalidJSON"
            rejects.append(_reject(f"line-{number}", error_type, line.error or "unreadable line", number))
            continue
        try:
            parsed = parse_chain(line.value, number, max_chain_length)
        except (TypeError, ValueError, RecursionError) as exc:  # a value the checks did not foresee
            parsed = _reject(f"line-{number}", "InvalidChain", f"line {number}: cannot be used ({str(exc)[:200]})",
                             number)
        if parsed.chain_id in seen:
            rejects.append(_reject(f"{parsed.chain_id}#line-{number}", "DuplicateChainId",
                                   f"line {number}: chain_id {parsed.chain_id!r} already used; ids must be unique",
                                   number))
            continue
        seen.add(parsed.chain_id)
        (chains if isinstance(parsed, ChainInput) else rejects).append(parsed)
    if lines == 0:
        raise InvalidInputError(f"chains file {path} is empty; {FORMAT_HINT}", context={"path": str(path)})
    if undecodable == lines:
        raise InvalidInputError(f"chains file {path} is not valid UTF-8 (no line decodes); save it as UTF-8",
                                context={"path": str(path)})
    return ChainFile(str(path), tuple(chains), tuple(rejects))
