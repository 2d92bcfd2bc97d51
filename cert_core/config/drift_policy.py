"""drift_policy.yaml: what is watched for drift and how it is classified."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from ._base import Section


class FileMonitoring(Section):
    watch_patterns: list[str] = Field(default_factory=lambda: ["./configs/fusion/**/*.yaml"])


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
    numeric_values: float = Field(0.05, ge=0, le=1)


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
    trigger_level: Literal["all", "low", "medium", "high", "critical"] = "all"
    enabled: bool = True


class ResponseActions(Section):
    automatic_actions: list[DriftAction] = Field(default_factory=list)


class DriftPolicy(Section):
    file_monitoring: FileMonitoring = Field(default_factory=FileMonitoring)
    detection_thresholds: DetectionThresholds = Field(default_factory=DetectionThresholds)
    response_actions: ResponseActions = Field(default_factory=ResponseActions)
