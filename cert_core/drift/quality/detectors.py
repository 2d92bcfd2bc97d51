"""The registry of quality-drift tests: a name in drift_policy.yaml -> a detector built from config.

A detector has ``name`` and ``test(reference, recent) -> DriftResult``. Tests with p-values are
corrected across the scan's metrics (correction.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from ...config.drift_policy import QualityTests
from ..types import DriftResult
from .ks import KSDetector
from .psi import PSIDetector

__all__ = ["DETECTORS", "Detector", "make_detectors"]


class Detector(Protocol):
    name: str

    def test(self, reference: np.ndarray, recent: np.ndarray) -> DriftResult: ...


DETECTORS: dict[str, Callable[[QualityTests], Detector]] = {
    "ks": lambda t: KSDetector(t.ks_alpha),
    "psi": lambda t: PSIDetector(t.psi_threshold, t.psi_bins),
}


def make_detectors(names: list[str], tests: QualityTests) -> list[Detector]:
    return [DETECTORS[name](tests) for name in names]
