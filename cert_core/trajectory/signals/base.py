"""What a step-level signal is: one number per step, larger = more suspicious.

Each signal is calibrated on its own (its percentiles over the steps of known-good chains), and a
step's score for it is (value - p50) / (limit - p50), so 1.0 sits exactly at the limit:
limit = max(the calibrated percentile, ``floor``, p50 + ``min_gap``). ``floor`` keeps a signal that
is 0 on every good step (a wrong equation, a copied step) from flagging noise, and ``min_gap`` keeps
a nearly constant signal from dividing by almost nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..chain_input import ChainInput
from ..scoring import ChainScore

__all__ = ["Signal"]


@dataclass(frozen=True)
class Signal:
    name: str
    description: str
    compute: Callable[[ChainInput, ChainScore], list[float]]  # one value per scored step
    floor: float = 0.0
    min_gap: float = 1e-3

    def limit(self, p50: float, percentile: float) -> float:
        return max(percentile, self.floor, p50 + self.min_gap)
