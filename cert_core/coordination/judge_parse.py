"""Read an LLM judge's rubric reply: accuracy, relevance, completeness and clarity, each 0-10.

Accepted: the JSON object alone, inside prose, inside ``` fences, with trailing commas, with
single-quoted keys or with scores written as strings ("8", "8/10"). The quality is the mean of the
four scores divided by 10; a reported "average" is ignored (it is recomputed).
Not accepted, each with a reason: no object, a missing criterion, a score that is not a number, a
score outside 0-10. The caller retries once with a format reminder, then records None with the
reason: a reply that cannot be read is never scored as 0, 0.5 or the lowest grade.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

__all__ = ["CRITERIA", "FORMAT_REMINDER", "JudgeParseError", "RubricScores", "parse_judge_reply"]

CRITERIA = ("accuracy", "relevance", "completeness", "clarity")
FORMAT_REMINDER = (
    "Your previous reply could not be read. Reply with only this JSON object, every score a number "
    'from 0 to 10: {"accuracy": <0-10>, "relevance": <0-10>, "completeness": <0-10>, "clarity": <0-10>}'
)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_SCORE_TEXT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:/\s*10)?\s*$")


@dataclass(frozen=True)
class RubricScores:
    accuracy: float
    relevance: float
    completeness: float
    clarity: float

    @property
    def quality(self) -> float:
        """Mean of the four scores, scaled to 0-1."""
        return (self.accuracy + self.relevance + self.completeness + self.clarity) / 40.0


@dataclass(frozen=True)
class JudgeParseError:
    reason: str


def _candidates(text: str) -> list[str]:
    """JSON object texts to try, best first: fenced blocks, then every balanced {...} in the text."""
    found = [m.group(1).strip() for m in _FENCE.finditer(text)]
    depth, start = 0, None
    in_string, escaped, quote = False, False, ""
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                in_string = False
            continue
        if ch in "\"'" and depth > 0:
            in_string, quote = True, ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0 and start is not None:
                found.append(text[start: i + 1])
    return found


def _load(candidate: str) -> dict | None:
    for attempt in (candidate, _TRAILING_COMMA.sub(r"\1", candidate)):
        for text in (attempt, attempt.replace("'", '"')):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                continue
            if isinstance(value, dict):
                return value
    return None


def _score(name: str, raw: object) -> float | str:
    """The score as a float, or the reason it is not one."""
    if isinstance(raw, bool):
        return f"score {name!r} is a boolean, not a number"
    if isinstance(raw, str):
        match = _SCORE_TEXT.match(raw)
        if not match:
            return f"score {name!r} is {raw!r}, not a number"
        raw = float(match.group(1))
    if not isinstance(raw, (int, float)) or not math.isfinite(raw):
        return f"score {name!r} is {raw!r}, not a finite number"
    if not 0 <= raw <= 10:
        return f"score {name!r} is {raw:g}, outside 0-10"
    return float(raw)


def parse_judge_reply(text: str | None) -> RubricScores | JudgeParseError:
    if text is None or not text.strip():
        return JudgeParseError("the judge's reply was empty")
    objects = [obj for obj in (_load(c) for c in _candidates(text)) if obj is not None]
    if not objects:
        return JudgeParseError(f"no JSON object in the judge's reply ({_preview(text)})")
    # the object that names the rubric; a reply may carry other objects (an example, a note)
    obj = max(objects, key=lambda o: sum(1 for k in CRITERIA if _key(o, k) is not None))
    scores: dict[str, float] = {}
    for name in CRITERIA:
        key = _key(obj, name)
        if key is None:
            return JudgeParseError(f"the judge's reply has no {name!r} score ({_preview(text)})")
        value = _score(name, obj[key])
        if isinstance(value, str):
            return JudgeParseError(value)
        scores[name] = value
    return RubricScores(**scores)


def _key(obj: dict, name: str) -> str | None:
    for key in obj:
        if isinstance(key, str) and key.strip().lower() == name:
            return key
    return None


def _preview(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")
