"""peak_nll: the step's single most surprising token (a wrong number is one bad token in a fine step)."""

from ..chain_input import ChainInput
from ..scoring import ChainScore
from .base import Signal


def _values(chain: ChainInput, score: ChainScore) -> list[float]:
    return [s.max_nll for s in score.steps]


SIGNAL = Signal("peak_nll", "largest -ln p of one token in the step (nats)", _values, min_gap=0.5)
