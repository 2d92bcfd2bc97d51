"""overlay_params.yaml: the flat KEY: "value" map that overlays run with."""

from __future__ import annotations

from pydantic import field_validator, model_validator

from ._base import Section

_UNIT_INTERVAL_KEYS = (
    "ENTROPY_REDUCTION_TARGET",
    "TRUST_FLOOR",
    "ENTROPY_FLOOR",
    "QUALITY_THRESHOLD",
    "CONSISTENCY_REQUIREMENT",
    "CONSENSUS_THRESHOLD",
    "TOKEN_EFFICIENCY_TARGET",
)


class OverlayParams(Section):
    """String parameters (the seed keeps every value a string). Defaults are the seed's."""

    ENTROPY_REDUCTION_TARGET: str = "0.75"
    CONTINUITY_ENFORCEMENT: str = "strict_memory"
    TRUST_SCORING_MODEL: str = "comprehensive_validation"
    PRIMARY_MODEL_SELECTION: str = "multi_model_fusion"
    FUSION_MODE: str = "enhanced_overlay"
    FUSION_OVERLAY_VERSION: str = "v2.1.0"

    @model_validator(mode="before")
    @classmethod
    def _scalars_to_str(cls, data):
        if not isinstance(data, dict):
            raise ValueError("expected a mapping of PARAMETER: value")
        out = {}
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                raise ValueError(f"{key}: expected a scalar value, got a {type(value).__name__}")
            out[str(key)] = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
        return out

    @field_validator("ENTROPY_REDUCTION_TARGET")
    @classmethod
    def _unit_interval(cls, v: str) -> str:
        _check_unit(v, "ENTROPY_REDUCTION_TARGET")
        return v

    @model_validator(mode="after")
    def _check_extra_units(self):
        for key in _UNIT_INTERVAL_KEYS[1:]:
            value = (self.model_extra or {}).get(key)
            if value is not None:
                _check_unit(value, key)
        return self

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump().items()}


def _check_unit(value: str, key: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{key}: expected a number between 0 and 1 written as a string, got {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{key}: expected a number between 0 and 1, got {value}")
