"""trajectory.yaml: the causal LM used to score reasoning chains, and calibrated thresholds."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._base import Section

PERCENTILE_KEYS = ("p50", "p90", "p95", "p99", "p99_9")


class CalibratedThresholds(BaseModel):
    """Written by `cert trajectory calibrate`: the distribution of a step statistic on good chains."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statistic: Literal["surprise", "mean_nll"] = "surprise"
    mean: float
    std: float = Field(ge=0)
    percentiles: dict[str, float]  # p50, p90, p95, p99, p99_9
    n_steps: int = Field(ge=1)
    n_chains: int = Field(ge=1)
    chains_file: str | None = None
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
    anomaly_statistic: Literal["surprise", "mean_nll"] = "surprise"
    anomaly_percentile: Literal["p90", "p95", "p99", "p99_9"] = "p99"
    # model id -> calibrated thresholds (written by `cert trajectory calibrate`; keep it the last key)
    thresholds: dict[str, CalibratedThresholds] = Field(default_factory=dict)
