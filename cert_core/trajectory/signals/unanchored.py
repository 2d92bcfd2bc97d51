"""unanchored: how much of a step refers to nothing else in the chain (an off-topic step).

A reasoning step talks about the problem: its names, things and numbers appear in the question or
in other steps. The value is the share of the step's content words (four letters or more, not
common function words, compared on their first five letters so "shelf"/"shelves" match) and
numbers that appear nowhere else in the chain. A language model trained on other wording cannot
tell an unfamiliar good step from an unrelated sentence by surprise alone; this can.
"""

import re

from ..chain_input import ChainInput
from ..scoring import ChainScore
from .base import Signal

_TOKEN = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?")
_STOP = frozenset("""
about above after again also always among another because been before being below between both but
cannot could does doing done down during each either even ever every from further have having here
into itself just least less many might more most much must never only other others over same should
since some still such than that their them then there therefore these they this those though through
thus under until upon very well were what when where whether which while will with within without
would your first finally hence answer next total together
""".split())


def _terms(text: str) -> set[str]:
    out = set()
    for token in _TOKEN.findall(text.lower()):
        if token[0].isdigit():
            out.add(token)
        elif len(token) >= 4 and token not in _STOP:
            out.add(token[:5])
    return out


def _values(chain: ChainInput, score: ChainScore) -> list[float]:
    steps = chain.steps[: len(score.steps)]
    terms = [_terms(step) for step in steps]
    question = _terms(chain.question)
    values = []
    for i, own in enumerate(terms):
        if not own:
            values.append(0.0)
            continue
        elsewhere = question.union(*(t for j, t in enumerate(terms) if j != i))
        values.append(len(own - elsewhere) / len(own))
    return values


SIGNAL = Signal("unanchored", "share of the step's content words and numbers found nowhere else in the chain",
                _values, floor=0.8, min_gap=0.05)
