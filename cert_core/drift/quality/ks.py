"""Two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp): score = the KS statistic."""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

from ..types import DriftResult

__all__ = ["KSDetector"]


class KSDetector:
    name = "ks"

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def test(self, reference: np.ndarray, recent: np.ndarray) -> DriftResult:
        result = ks_2samp(reference, recent)
        p_value = float(result.pvalue)
        return DriftResult(float(result.statistic), p_value <= self.alpha, self.alpha, p_value)
