"""Drift: watched files and config parameters against a baseline, and quality drift over the
Parquet history (docs/drift.md)."""

from .actions import ActionContext, ActionOutcome, ActionReport
from .types import DriftEvent, DriftResult, FileChange, ParamChange, QualityCheck
from .watchdog import DriftWatchdog, ScanOutcome

__all__ = ["ActionContext", "ActionOutcome", "ActionReport", "DriftEvent", "DriftResult", "DriftWatchdog", "FileChange", "ParamChange", "QualityCheck", "ScanOutcome"]
