"""trajectory.yaml: the causal LM used to score reasoning chains, and calibrated thresholds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._base import Section

PERCENTILE_KEYS = ("p50", "p90", "p95", "p99", "p99_9")
CALIBRATION_FORMAT = 2


class Distribution(BaseModel):
    """Mean, std and percentiles (PERCENTILE_KEYS) of one statistic over known-good chains."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mean: float
    std: float = Field(ge=0)
    percentiles: dict[str, float]


class CalibratedThresholds(BaseModel):
    """Written by `cert trajectory calibrate`: every step signal's distribution on a user's good chains.

    ``signals`` holds one Distribution per step signal (cert_core/trajectory/signals); ``domain`` is
    the distribution of a chain's median per-token nll, used to warn when a chain looks unlike the
    calibration chains.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[2] = CALIBRATION_FORMAT
    model: str
    chains_file: str | None = None
    calibrated_at: str
    n_steps: int = Field(ge=1)
    n_chains: int = Field(ge=1)
    signals: dict[str, Distribution]
    domain: Distribution

    def describe(self) -> str:
        return (f"model {self.model}, {self.n_chains} chains from {self.chains_file or 'an unnamed file'}, "
                f"calibrated {self.calibrated_at}")


class LegacyThresholds(BaseModel):
    """A thresholds entry written before format 2 (one statistic). Kept only to say how to replace it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    statistic: str | None = None
    calibrated_at: str | None = None


class TrajectoryConfig(Section):
    model: str = "data/models/tiny-reasoner"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    max_chain_length: int = Field(64, ge=2)
    batch_size: int = Field(8, ge=1)
    chunk_size: int = Field(64, ge=1)  # chains per flow task
    batch_timeout_s: float | None = Field(120.0, gt=0)  # None: no limit (calibration and evaluation)
    cache_size: int = Field(1024, ge=0)
    load_in_8bit: bool = False
    step_separator: str = "\n"
    max_context_tokens: int | None = Field(None, ge=2)  # None: the model's own context length
    window_stride: int | None = Field(None, ge=1)  # None: half the context
    # step signals the check applies (cert_core/trajectory/signals); calibrate measures them all
    anomaly_signals: tuple[str, ...] = ("surprise", "mean_nll", "peak_nll", "repetition", "arithmetic",
                                        "unsupported_numbers", "unanchored")
    # a chain whose median per-token nll is this far (nats) above the calibration chains' p99.9 is
    # flagged outside_calibration: its verdict is not trustworthy until you calibrate on such chains
    outside_margin_nats: float = Field(1.0, ge=0)
    anomaly_percentile: Literal["p90", "p95", "p99", "p99_9"] = "p99_9"
    # model id -> calibrated thresholds (written by `cert trajectory calibrate`; keep it the last key)
    thresholds: dict[str, CalibratedThresholds | LegacyThresholds] = Field(default_factory=dict)

    @field_validator("thresholds", mode="before")
    @classmethod
    def _route_formats(cls, value: Any) -> Any:
        # an old single-statistic entry loads as LegacyThresholds (so calibrate can replace it);
        # anything with a format is validated strictly as the current format
        if not isinstance(value, dict):
            return value
        return {model: LegacyThresholds.model_validate(entry)
                if isinstance(entry, dict) and "format" not in entry else entry
                for model, entry in value.items()}
