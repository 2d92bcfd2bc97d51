"""Awkward judge replies: each has a documented outcome, and a reply that cannot be read is never scored."""

from __future__ import annotations

import pytest

from cert_core.coordination.judge_parse import JudgeParseError, RubricScores, parse_judge_reply

# (reply, expected quality, or the words the reason must contain)
CASES = [
    ('{"accuracy": 8, "relevance": 9, "completeness": 7, "clarity": 8}', 0.8, None),
    ('Here is my evaluation:\n{"accuracy": 6, "relevance": 8, "completeness": 4, "clarity": 6}\nHope it helps.', 0.6, None),
    ('```json\n{"accuracy": 10, "relevance": 10, "completeness": 10, "clarity": 6}\n```', 0.9, None),
    ('{"accuracy": 5, "relevance": 5, "completeness": 5, "clarity": 5,}', 0.5, None),
    ('{"accuracy": "7", "relevance": "9/10", "completeness": " 8 ", "clarity": 8.0}', 0.8, None),
    ("{'accuracy': 2, 'relevance': 4, 'completeness': 6, 'clarity': 8}", 0.5, None),
    ('{"Accuracy": 0, "Relevance": 0, "Completeness": 0, "Clarity": 0, "average": 9}', 0.0, None),  # average ignored
    ('{"accuracy": 8, "relevance": 9, "completeness": 7}', None, "no 'clarity' score"),
    ('{"accuracy": 11, "relevance": 9, "completeness": 7, "clarity": 8}', None, "'accuracy' is 11, outside 0-10"),
    ('{"accuracy": -1, "relevance": 9, "completeness": 7, "clarity": 8}', None, "outside 0-10"),
    ('{"accuracy": "high", "relevance": 9, "completeness": 7, "clarity": 8}', None, "'high', not a number"),
    ('{"accuracy": true, "relevance": 9, "completeness": 7, "clarity": 8}', None, "boolean"),
    ("The response is accurate and clear. I would give it an 8.", None, "no JSON object"),
    ("", None, "empty"),
    ("   \n ", None, "empty"),
]


@pytest.mark.parametrize(("reply", "quality", "reason"), CASES)
def test_each_awkward_reply_has_its_documented_outcome(reply, quality, reason):
    parsed = parse_judge_reply(reply)
    if quality is None:
        assert isinstance(parsed, JudgeParseError)
        assert reason in parsed.reason
    else:
        assert isinstance(parsed, RubricScores)
        assert parsed.quality == pytest.approx(quality)


def test_the_rubric_object_wins_over_other_objects_in_the_reply():
    reply = ('Format: {"example": true}. My scores: '
             '{"accuracy": 4, "relevance": 4, "completeness": 4, "clarity": 4}')
    parsed = parse_judge_reply(reply)
    assert isinstance(parsed, RubricScores) and parsed.quality == pytest.approx(0.4)


def test_braces_inside_strings_do_not_break_the_object():
    reply = '{"note": "uses {curly} braces", "accuracy": 9, "relevance": 9, "completeness": 9, "clarity": 9}'
    assert parse_judge_reply(reply).quality == pytest.approx(0.9)


def test_none_is_an_error_not_a_score():
    assert isinstance(parse_judge_reply(None), JudgeParseError)
