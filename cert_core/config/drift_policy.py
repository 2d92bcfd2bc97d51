"""drift_policy.yaml: what is watched for drift, how a change is classified and answered, and the
quality-drift tests over the Parquet history."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._base import Section

SeverityName = Literal["low", "medium", "high", "critical"]
TriggerLevel = Literal["all", "low", "medium", "high", "critical"]

# The facts a classification rule may name (cert_core/drift/classify.py computes each one).
CLASSIFICATION_FACTS = (
    "any_change",
    "config_file_changed",
    "critical_parameter_modified",
    "core_module_changed",
    "version_bumped",
    "overlay_file_changed",
    "state_file_corrupted",
    "multiple_files_changed",
    "performance_degradation",
    "files_unreadable",
)
_CONDITION_TOKEN = re.compile(r"\s+(AND|OR)\s+")


class FilePattern(Section):
    pattern: str
    description: str = ""


class FileMonitoring(Section):
    # Relative to the project root; "{state_dir}/..." is under CERT_STATE_DIR.
    watch_patterns: list[str] = Field(default_factory=lambda: ["configs/fusion/**/*.yaml"])
    inclusion_rules: list[FilePattern] = Field(default_factory=list)
    exclusion_rules: list[FilePattern] = Field(default_factory=list)
    max_versioned_file_bytes: int = Field(1_048_576, ge=0)  # larger files are hashed, not read for versions

    @field_validator("watch_patterns")
    @classmethod
    def _relative(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            clean = pattern.removeprefix("./")
            if clean.startswith("/") or ".." in clean.split("/"):
                raise ValueError(f"watch pattern {pattern!r} must stay inside the project (no '/' start, no '..')")
        return patterns


class VersionPattern(Section):
    pattern: str
    group: int = Field(1, ge=0)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern


class ParameterTolerance(Section):
    numeric_values: float = Field(0.05, ge=0, le=1)  # relative: |new - old| <= tol * |old|
    string_values: Literal["exact_match"] = "exact_match"
    boolean_values: Literal["exact_match"] = "exact_match"


class ConfigChangeThresholds(Section):
    critical_parameters: list[str] = Field(
        default_factory=lambda: ["ENTROPY_REDUCTION_TARGET", "FUSION_MODE", "TRUST_FLOOR", "budget_limits"]
    )
    parameter_change_tolerance: ParameterTolerance = Field(default_factory=ParameterTolerance)


class DetectionThresholds(Section):
    file_change_sensitivity: Literal["low", "medium", "high"] = "medium"
    minimum_change_size_bytes: int = Field(50, ge=0)
    version_change_patterns: list[VersionPattern] = Field(default_factory=list)
    config_change_thresholds: ConfigChangeThresholds = Field(default_factory=ConfigChangeThresholds)


class DriftAction(Section):
    name: str
    trigger_level: TriggerLevel = "all"
    enabled: bool = True
    parameters: dict = Field(default_factory=dict)


class ManualAction(Section):
    name: str
    description: str = ""
    approval_required: bool = True


class ResponseActions(Section):
    automatic_actions: list[DriftAction] = Field(default_factory=list)
    manual_actions: list[ManualAction] = Field(default_factory=list)


class ClassificationRule(Section):
    condition: str
    severity: SeverityName

    @field_validator("condition")
    @classmethod
    def _known_facts(cls, condition: str) -> str:
        parts = _CONDITION_TOKEN.split(condition.strip())
        if " AND " in condition and " OR " in condition:
            raise ValueError(f"condition {condition!r} mixes AND and OR; write one rule per alternative")
        facts = parts[0::2]
        unknown = [f for f in facts if f not in CLASSIFICATION_FACTS]
        if unknown or not condition.strip():
            raise ValueError(f"condition {condition!r} names unknown facts {unknown}; "
                             f"known: {', '.join(CLASSIFICATION_FACTS)}")
        return condition


class DriftClassification(Section):
    severity_levels: dict[str, dict] = Field(default_factory=dict)
    classification_rules: list[ClassificationRule] = Field(default_factory=list)
    default_severity: SeverityName = "low"  # a change that no rule names


class MonitoringSchedule(Section):
    check_interval_minutes: int = Field(10, ge=1)
    deep_scan_interval_hours: int = Field(6, ge=1)


class Monitoring(Section):
    monitoring_schedule: MonitoringSchedule = Field(default_factory=MonitoringSchedule)


class QualityMetric(Section):
    """One series from a dataset: ``column`` (numbers or booleans), or 1.0 where ``column`` differs
    from ``flag_when_not`` (an error rate from ``status``); ``only_ok`` keeps rows with status ok."""

    name: str
    dataset: str
    column: str
    time_column: str
    only_ok: bool = False
    flag_when_not: str | None = None


class QualityTests(Section):
    ks_alpha: float = Field(0.05, gt=0, lt=1)  # Benjamini-Hochberg false discovery rate over one scan
    psi_threshold: float = Field(0.25, gt=0)
    psi_bins: int = Field(10, ge=2, le=100)


class QualityDrift(Section):
    enabled: bool = True
    detectors: list[Literal["ks", "psi"]] = Field(default_factory=lambda: ["ks", "psi"])
    combine: Literal["all", "any"] = "all"  # all: significant (KS after BH) and large (PSI); any: either
    reference_rows: int = Field(500, ge=2)
    recent_rows: int = Field(100, ge=2)
    min_window_rows: int = Field(30, ge=2)
    tests: QualityTests = Field(default_factory=QualityTests)
    metrics: list[QualityMetric] = Field(default_factory=list)

    @model_validator(mode="after")
    def _windows(self) -> QualityDrift:
        if self.min_window_rows > min(self.reference_rows, self.recent_rows):
            raise ValueError("min_window_rows must not exceed reference_rows or recent_rows")
        return self


class DriftPolicy(Section):
    file_monitoring: FileMonitoring = Field(default_factory=FileMonitoring)
    detection_thresholds: DetectionThresholds = Field(default_factory=DetectionThresholds)
    response_actions: ResponseActions = Field(default_factory=ResponseActions)
    drift_classification: DriftClassification = Field(default_factory=DriftClassification)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    quality_drift: QualityDrift = Field(default_factory=QualityDrift)
