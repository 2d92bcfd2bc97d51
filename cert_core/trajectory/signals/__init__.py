"""Step-level signals, one module each; the quality check calibrates and applies every one.

Language-model signals: surprise, mean_nll, peak_nll. Text signals (for what surprise misses):
repetition (a copied step), arithmetic (a false calculation), unsupported_numbers (a step used
before its inputs exist, as when steps are swapped), unanchored (a step about nothing else in the chain).
"""

from __future__ import annotations

from ..chain_input import ChainInput
from ..scoring import ChainScore
from . import arithmetic, mean_nll, peak_nll, repetition, surprise, unanchored, unsupported_numbers
from .base import Signal

__all__ = ["SIGNALS", "Signal", "signal_values"]

SIGNALS: dict[str, Signal] = {
    module.SIGNAL.name: module.SIGNAL
    for module in (surprise, mean_nll, peak_nll, repetition, arithmetic, unsupported_numbers, unanchored)
}


def signal_values(chain: ChainInput, score: ChainScore) -> dict[str, list[float]]:
    """Every signal's per-step values for one scored chain."""
    return {name: signal.compute(chain, score) for name, signal in SIGNALS.items()}
