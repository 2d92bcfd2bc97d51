"""trajectory.yaml: the causal LM used to score reasoning chains, and calibrated thresholds."""

from __future__ import annotations

from pydantic import Field

from ._base import Section


class TrajectoryConfig(Section):
    model: str = "data/models/tiny-reasoner"
    max_chain_length: int = Field(64, ge=2)
    batch_size: int = Field(8, ge=1)
    batch_timeout_s: float = Field(120.0, gt=0)
    cache_size: int = Field(1024, ge=0)
    load_in_8bit: bool = False
    # model id -> calibrated percentile thresholds (written by `cert trajectory calibrate`)
    thresholds: dict[str, dict[str, float]] = Field(default_factory=dict)
