"""Benjamini-Hochberg across the metrics tested in one scan (scipy.stats.false_discovery_control)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.stats import false_discovery_control

from ..types import QualityCheck

__all__ = ["benjamini_hochberg", "correct_checks"]


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    if not p_values:
        return []
    return [float(p) for p in false_discovery_control(np.asarray(p_values, dtype=float), method="bh")]


def correct_checks(checks: list[QualityCheck]) -> list[QualityCheck]:
    """For each test with p-values: adjust them across the checks that ran it; a test drifted when
    its adjusted p-value is at most its threshold (the false discovery rate)."""
    out = list(checks)
    names = sorted({n for c in out for n, r in c.results.items() if r.p_value is not None})
    for name in names:
        where = [i for i, c in enumerate(out) if name in c.results and c.results[name].p_value is not None]
        adjusted = benjamini_hochberg([out[i].results[name].p_value for i in where])
        for i, p_adj in zip(where, adjusted):
            result = out[i].results[name]
            fixed = replace(result, p_adjusted=p_adj, drifted=p_adj <= result.threshold)
            out[i] = replace(out[i], results={**out[i].results, name: fixed})
    return out
