"""mean_nll: surprise per token, so a long step is not suspicious for its length alone (off-topic text)."""

from ..chain_input import ChainInput
from ..scoring import ChainScore
from .base import Signal


def _values(chain: ChainInput, score: ChainScore) -> list[float]:
    return [s.mean_nll for s in score.steps]


SIGNAL = Signal("mean_nll", "mean -ln p per token (nats)", _values, min_gap=0.1)
