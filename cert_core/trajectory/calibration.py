"""Calibrated thresholds: the distribution of a step statistic over known-good chains.

``calibrate`` turns scored good chains into percentiles, mean and std of per-step surprise (or
per-token nll). ``store_thresholds`` writes them into the ``thresholds:`` map of
configs/fusion/trajectory.yaml under the model id, so they are part of the effective config (and
of ``config_version``). Everything above that block, comments included, is kept as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from ..config.loader import read_yaml_mapping
from ..config.trajectory import PERCENTILE_KEYS, CalibratedThresholds
from ..errors import InvalidInputError
from .scoring import ChainScore

__all__ = ["MIN_CALIBRATION_STEPS", "calibrate", "step_statistic", "store_thresholds"]

MIN_CALIBRATION_STEPS = 20
_PERCENTILE_VALUES = {key: float(key[1:].replace("_", ".")) for key in PERCENTILE_KEYS}


def step_statistic(step, statistic: str) -> float:
    return float(step.surprise if statistic == "surprise" else step.mean_nll)


def calibrate(scores: Sequence[ChainScore], statistic: str = "surprise",
              chains_file: str | None = None) -> CalibratedThresholds:
    """Percentiles of the statistic over every step of the given (good) chains."""
    values = np.array([step_statistic(s, statistic) for chain in scores for s in chain.steps], dtype=float)
    if values.size < MIN_CALIBRATION_STEPS:
        raise InvalidInputError(
            f"calibration needs at least {MIN_CALIBRATION_STEPS} scored steps, got {values.size}; "
            "pass a larger file of known-good chains",
            context={"steps": int(values.size)},
        )
    return CalibratedThresholds(
        statistic=statistic,  # type: ignore[arg-type]
        mean=float(values.mean()),
        std=float(values.std(ddof=1)),
        percentiles={key: float(np.percentile(values, q)) for key, q in _PERCENTILE_VALUES.items()},
        n_steps=int(values.size),
        n_chains=len(scores),
        chains_file=chains_file,
        calibrated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    )


def _thresholds_block(lines: list[str]) -> tuple[int, int] | None:
    """Line range of the top-level `thresholds:` entry (through its indented body)."""
    start = next((i for i, line in enumerate(lines) if line.startswith("thresholds:")), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    return start, end


def store_thresholds(config_file: str | Path, model: str, thresholds: CalibratedThresholds) -> Path:
    """Put thresholds[model] into trajectory.yaml, keeping the other models' entries and the rest of the file."""
    path = Path(config_file)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    current = read_yaml_mapping(path) if path.is_file() else {}
    existing = dict(current.get("thresholds") or {})
    existing[model] = thresholds.model_dump(mode="json")
    block = yaml.safe_dump({"thresholds": existing}, sort_keys=True, allow_unicode=True).splitlines()
    lines = text.splitlines()
    span = _thresholds_block(lines)
    if span is None:
        lines = lines + block
    else:
        lines = lines[: span[0]] + block + lines[span[1]:]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
