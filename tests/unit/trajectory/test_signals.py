"""The step signals, each on hand-made steps with hand-computed values."""

from __future__ import annotations

import pytest

from cert_core.trajectory import ChainInput, ChainScore, StepScore
from cert_core.trajectory.signals import SIGNALS, signal_values
from cert_core.trajectory.signals.arithmetic import false_equations


def _pair(question: str, steps: list[str]) -> tuple[ChainInput, ChainScore]:
    scored = tuple(StepScore(i, 2, 1.0 + i, 1.0, 0.5, 2.0 * (1 + i), 0.0, max_nll=3.0 * i) for i in range(len(steps)))
    return ChainInput("c", question, tuple(steps)), ChainScore("c", scored, 2 * len(steps), False)


def test_there_are_seven_signals_one_module_each():
    assert list(SIGNALS) == ["surprise", "mean_nll", "peak_nll", "repetition", "arithmetic", "unsupported_numbers",
                             "unanchored"]


@pytest.mark.parametrize("text, wrong", [
    ("so 3 + 4 = 7.", 0), ("so 3 + 4 = 8.", 1), ("Then 8 x 7 = 56 buns.", 0), ("9 × 5 = 46", 1),
    ("54 − 12 = 42", 0), ("45 minus 3 leaves 41", 1), ("5 plus 8, which makes 12.", 1),
    ("2 + 3 * 4 = 14 and 10 / 4 = 2.5", 0), ("20 / 4 = 6", 1), ("Farmer x 3 = 4", 0), ("version 3.11 is out", 0),
])
def test_arithmetic_counts_false_calculations_in_symbols_and_words(text, wrong):
    assert false_equations(text) == wrong


def test_language_model_signals_read_the_step_scores():
    values = signal_values(*_pair("Q", ["a", "b"]))
    assert values["surprise"] == [2.0, 4.0] and values["mean_nll"] == [1.0, 2.0] and values["peak_nll"] == [0.0, 3.0]


def test_repetition_is_the_best_word_match_with_an_earlier_step_only():
    steps = ["Tom has 3 apples.", "Tom buys 2 pears.", "Tom has 3 apples."]
    values = signal_values(*_pair("Tom has 3 apples.", steps))["repetition"]
    # the first step repeats the question but has no earlier step; step 1 shares "tom" in place and
    # nothing else of 4 words each: 2 * 1 / 8 = 0.25; step 2 is step 0 word for word
    assert values == pytest.approx([0.0, 0.25, 1.0])


def test_unsupported_numbers_are_those_not_given_or_derived_yet():
    steps = ["Later 15 - 4 = 11.", "She buys 6 more, so 9 + 6 = 15.", "The answer is 11."]
    values = signal_values(*_pair("Ann has 9 pens, buys 6 and loses 4.", steps))["unsupported_numbers"]
    # step 0 uses 15 before step 1 derives it (11 is derived in step 0 itself); the rest are known
    assert values == [1.0, 0.0, 0.0]


def test_unanchored_is_the_share_of_content_words_and_numbers_found_nowhere_else():
    steps = ["Each shelf holds 9 bolts.", "Octopuses have three hearts.", "So 6 shelves hold 54 bolts."]
    values = signal_values(*_pair("Ann stacks bolts on 6 shelves, 9 per shelf.", steps))["unanchored"]
    # terms are first five letters ("each" and "so" do not count). step 0: shelf, 9, bolts found,
    # "holds" not ("hold" in step 2 is another term) -> 1/4; step 1: octop, three, heart nowhere -> 3/3;
    # step 2: 6, shelv (question), bolts found, hold and 54 not -> 2/5
    assert values == pytest.approx([0.25, 1.0, 0.4])
