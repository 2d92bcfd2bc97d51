"""unsupported_numbers: numbers a step uses before the chain has given or derived them.

A number is supported when it appears in the question or an earlier step, or when this step
derives it (the result of one of its calculations). A step moved ahead of the step that derives
its input uses a number that does not exist yet; to a language model it still reads fluently.
The value is the count of unsupported numbers in the step.
"""

import re

from ..chain_input import ChainInput
from ..scoring import ChainScore
from .arithmetic import _EQ
from .base import Signal

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")


def _numbers(text: str) -> list[str]:
    return [n.rstrip("0").rstrip(".") if "." in n else n for n in _NUMBER.findall(text)]


def _values(chain: ChainInput, score: ChainScore) -> list[float]:
    known = set(_numbers(chain.question))
    values = []
    for step in chain.steps[: len(score.steps)]:
        derived = {right for _, right in _EQ.findall(step)}
        numbers = _numbers(step)
        values.append(float(sum(n not in known and n not in derived for n in numbers)))
        known.update(numbers)
    return values


SIGNAL = Signal("unsupported_numbers", "numbers used before the question or an earlier step gives them",
                _values, floor=0.5)
