"""surprise: the step's total -ln p over its tokens (what the original check calibrated)."""

from ..chain_input import ChainInput
from ..scoring import ChainScore
from .base import Signal


def _values(chain: ChainInput, score: ChainScore) -> list[float]:
    return [s.surprise for s in score.steps]


SIGNAL = Signal("surprise", "total surprise of the step (nats)", _values, min_gap=0.5)
