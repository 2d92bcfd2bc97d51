"""Population stability index: sum over bins of (recent% - reference%) * ln(recent% / reference%).

Bins are the reference window's quantiles; a series with few distinct values (a pass flag, an
error flag) uses each value as its own bin. Empty bins count as a tiny share, not zero.
"""

from __future__ import annotations

import numpy as np

from ..types import DriftResult

__all__ = ["PSIDetector", "population_stability_index"]

EMPTY_BIN_SHARE = 1e-4


def _shares(counts: np.ndarray) -> np.ndarray:
    shares = counts / max(1, counts.sum())
    return np.clip(shares, EMPTY_BIN_SHARE, None)


def population_stability_index(reference: np.ndarray, recent: np.ndarray, bins: int) -> float:
    distinct = np.unique(np.concatenate([reference, recent]))
    if len(distinct) <= bins:
        ref_counts = np.array([(reference == v).sum() for v in distinct], dtype=float)
        rec_counts = np.array([(recent == v).sum() for v in distinct], dtype=float)
    else:
        inner = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
        ref_counts = np.bincount(np.searchsorted(inner, reference, side="right"), minlength=len(inner) + 1)
        rec_counts = np.bincount(np.searchsorted(inner, recent, side="right"), minlength=len(inner) + 1)
    p, q = _shares(ref_counts.astype(float)), _shares(rec_counts.astype(float))
    return float(np.sum((q - p) * np.log(q / p)))


class PSIDetector:
    name = "psi"

    def __init__(self, threshold: float, bins: int) -> None:
        self.threshold = threshold
        self.bins = bins

    def test(self, reference: np.ndarray, recent: np.ndarray) -> DriftResult:
        score = population_stability_index(reference, recent, self.bins)
        return DriftResult(score, score >= self.threshold, self.threshold)
