from __future__ import annotations

import pytest

from cert_core.coordination.answers import (
    canonical_answer,
    extract_final_answer,
    last_number,
    normalize_text,
    parse_number,
)


@pytest.mark.parametrize(("text", "final"), [
    ("14 - 4 = 10.\nThe answer is 10.", "10."),
    ("Answer: Paris", "Paris"),
    ("It is hard.\nFinal answer: 42 apples\nThanks", "42 apples"),
    ("no marker here\n\nlast line", "last line"),
    ("", ""),
])
def test_final_answer_is_after_the_last_marker_else_the_last_line(text, final):
    assert extract_final_answer(text) == final


@pytest.mark.parametrize(("text", "value"), [
    ("1,250", 1250.0), ("-3.5", -3.5), ("3/4", 0.75), ("$12", 12.0), ("40%", 40.0), ("10.", 10.0),
    ("ten", None), ("1 2", None), ("", None),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_last_number_reads_the_last_one_written():
    assert last_number("7 * 2 = 14, then 14 - 4 = 10 pencils") == 10.0
    assert last_number("no digits") is None


def test_normalisation_drops_case_punctuation_and_articles_but_keeps_decimals():
    assert normalize_text("  The  Pacific Ocean! ") == "pacific ocean"
    assert normalize_text("3.5 km") == "3.5 km"


def test_agents_vote_on_the_number_else_the_normalised_text():
    assert canonical_answer("so 14 - 4 = 10.\nThe answer is 10.") == canonical_answer("The answer is 10 pencils") == "10"
    assert canonical_answer("The answer is the Pacific Ocean.") == "pacific ocean"


def test_a_quoted_final_answer_is_the_stated_answer_and_a_rambling_last_line_is_cut():
    from cert_core.config.coordination import CoordinationConfig
    from cert_core.coordination.prompts import FINAL_ANSWER_MAX_CHARS, answers_block

    final = CoordinationConfig.model_validate({"quote_answers": "final"})
    ramble = "so we add the two and then " * 40  # no marker, one long line
    block = answers_block(final, ["Adding gives 12. The answer is 12.", ramble])
    first, second = block.split("\n\n")
    assert first == "Agent 1: 12."
    assert second.endswith(" ...") and len(second) <= len("Agent 2: ") + FINAL_ANSWER_MAX_CHARS + 4
    full = CoordinationConfig.model_validate({"quote_answers": "full"})
    assert answers_block(full, [ramble]) == f"Agent 1: {ramble.strip()}"  # full text is never cut
