"""Final answers out of free text: what the reference judge compares and what agents vote on.

An agent's final answer is the text after its last "answer is" / "Answer:" marker (the prompt asks
for one), else its last non-empty line. Normalisation lower-cases, drops punctuation, articles and
extra spaces. A number is read with thousands separators, signs, decimals and simple fractions.
"""

from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction

__all__ = ["canonical_answer", "extract_final_answer", "last_number", "normalize_text", "parse_number"]

_MARKER = re.compile(r"(?:final answer|the answer is|answer is|answer)\s*[:=]?\s*", re.IGNORECASE)
_NUMBER = re.compile(r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCT = re.compile(r"[^\w\s.%-]|(?<!\d)\.|\.(?!\d)")


def extract_final_answer(text: str) -> str:
    """The part of a response that states its answer."""
    text = (text or "").strip()
    if not text:
        return ""
    matches = list(_MARKER.finditer(text))
    if matches:
        tail = text[matches[-1].end():].strip()
        if tail:
            return tail.splitlines()[0].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower().replace("−", "-")
    text = _PUNCT.sub(" ", text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split()).strip(" .")


def parse_number(text: str) -> float | None:
    """The value of ``text`` when it is one number (e.g. "1,250", "-3.5", "3/4", "$12", "40%"), else None."""
    cleaned = (text or "").strip().replace("−", "-").rstrip(".")
    cleaned = re.sub(r"^[$€£]|[$€£%]$", "", cleaned).strip()
    if not cleaned or not _NUMBER.fullmatch(cleaned):
        return None
    return _value(cleaned)


def last_number(text: str) -> float | None:
    """The last number written in ``text`` (None when there is none)."""
    found = _NUMBER.findall((text or "").replace("−", "-"))
    return _value(found[-1]) if found else None


def _value(token: str) -> float | None:
    token = token.replace(",", "").replace(" ", "").replace("−", "-")
    try:
        value = float(Fraction(token)) if "/" in token else float(token)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def canonical_answer(text: str) -> str:
    """What agents vote on: the final answer's number when it has one, else its normalised text."""
    final = extract_final_answer(text)
    number = last_number(final)
    if number is not None:
        return f"{number:.12g}"
    return normalize_text(final)
