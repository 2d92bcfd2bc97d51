"""Quality drift: KS and PSI on recent vs reference windows of the Parquet history, with BH."""

from .check import judge_checks, run_quality_drift, evaluate_windows
from .correction import benjamini_hochberg
from .detectors import DETECTORS, make_detectors
from .ks import KSDetector
from .psi import PSIDetector, population_stability_index

__all__ = ["DETECTORS", "KSDetector", "PSIDetector", "benjamini_hochberg", "judge_checks", "make_detectors",
           "population_stability_index", "run_quality_drift", "evaluate_windows"]
