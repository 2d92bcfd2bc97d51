"""repetition: how closely a step copies an earlier step.

A repeated step is cheap for a language model (it has just seen the words), so surprise alone
misses it. The value is the highest difflib ratio between the step's words and any earlier step's
words (1.0 = the same words in the same order); the question is not compared, since a first step
that restates it is normal.
"""

from difflib import SequenceMatcher

from ..chain_input import ChainInput
from ..scoring import ChainScore
from .base import Signal


def _words(text: str) -> list[str]:
    return text.lower().replace(",", " ").replace(".", " ").split()


def _values(chain: ChainInput, score: ChainScore) -> list[float]:
    words = [_words(step) for step in chain.steps[: len(score.steps)]]
    values = []
    for i, current in enumerate(words):
        best = 0.0
        for earlier in words[:i]:
            best = max(best, SequenceMatcher(None, earlier, current, autojunk=False).ratio())
        values.append(best)
    return values


# a step must share at least 80% of its word sequence with an earlier one before it can be flagged
SIGNAL = Signal("repetition", "highest word-sequence similarity to an earlier step (0-1)", _values,
                floor=0.8, min_gap=0.05)
