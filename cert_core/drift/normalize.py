"""Normal forms of a watched file's text, so that a change that only touches whitespace or comments
(`ignore_whitespace_changes`, `ignore_comment_changes`) is not drift.

Only some file types have one; the others are compared byte for byte:

    YAML, Python   whitespace: line endings, trailing spaces, blank lines (indentation is kept: it is syntax)
                   comments: whole lines starting with '#' (a '#' after code may sit in a string: kept)
    markdown, micro-overlays (*.txt under micro_overlays/)
                   whitespace: also runs of spaces inside a line and indentation
                   comments: <!-- ... --> ('#' starts a heading here, not a comment)
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["normal_hash"]

_HASH_COMMENT = (".yaml", ".yml", ".py")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_COMMENT_LINE = re.compile(r"^[ \t]*#[^\n]*(?:\n|\Z)", re.MULTILINE)
_LEADING = re.compile(r"^[ \t\f\v]+", re.MULTILINE)
_RUNS = re.compile(r"[ \t\f\v]+")


def _kind(key: str) -> str | None:
    if key.endswith(_HASH_COMMENT):
        return "code"
    if key.endswith(".md") or ("micro_overlays/" in key and key.endswith(".txt")):
        return "prose"
    return None


def normal_hash(key: str, text: str, *, whitespace: bool, comments: bool) -> str | None:
    """"<mode>:<sha256>" of the text's normal form; None when nothing is ignored or the type has none.
    The mode is part of the value, so a baseline made under other settings never compares equal."""
    kind = _kind(key)
    if kind is None or not (whitespace or comments):
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if comments:
        text = _HTML_COMMENT.sub("", text) if kind == "prose" else _COMMENT_LINE.sub("", text)
    if whitespace:
        if kind == "prose":
            text = _RUNS.sub(" ", _LEADING.sub("", text))
        # map/filter run in C: a deep scan normalises every such file
        text = "\n".join(filter(None, map(str.rstrip, text.split("\n"))))
    mode = ("w" if whitespace else "") + ("c" if comments else "")
    return f"{mode}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
