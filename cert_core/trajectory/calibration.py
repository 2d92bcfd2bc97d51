"""Calibration: every step signal's distribution over a user's known-good chains.

``calibrate`` turns scored good chains into one Distribution (mean, std, percentiles) per signal
(cert_core/trajectory/signals) plus the distribution of each chain's median per-token nll (the
``domain``, for the outside-calibration warning). It records the model, the chains file and the
date. ``store_thresholds`` writes it into the ``thresholds:`` map of configs/fusion/trajectory.yaml
under the model id, so it is part of the effective config (and of ``config_version``). Everything
above that block, comments included, is kept as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from ..config.loader import read_yaml_mapping
from ..config.trajectory import PERCENTILE_KEYS, CalibratedThresholds, Distribution, LegacyThresholds
from ..errors import ConfigError, InvalidInputError
from .chain_input import ChainInput
from .scoring import ChainScore
from .signals import signal_values

__all__ = ["MIN_CALIBRATION_STEPS", "CalibrationFormatError", "calibrate", "chain_median_nll", "distribution",
           "store_thresholds", "usable_thresholds"]

MIN_CALIBRATION_STEPS = 20
_PERCENTILE_VALUES = {key: float(key[1:].replace("_", ".")) for key in PERCENTILE_KEYS}


class CalibrationFormatError(ConfigError):
    """The model's thresholds were written by an older `cert trajectory calibrate`."""


def distribution(values: Sequence[float]) -> Distribution:
    array = np.asarray(values, dtype=float)
    return Distribution(
        mean=float(array.mean()), std=float(array.std(ddof=1)) if array.size > 1 else 0.0,
        percentiles={key: float(np.percentile(array, q)) for key, q in _PERCENTILE_VALUES.items()},
    )


def chain_median_nll(score: ChainScore) -> float:
    return float(np.median([s.mean_nll for s in score.steps]))


def calibrate(chains: Sequence[ChainInput], scores: Sequence[ChainScore], model: str,
              chains_file: str | None = None) -> CalibratedThresholds:
    """Distributions of every signal over every step of the given (good) chains.

    ``chains`` and ``scores`` are matched by chain_id (a chain that failed to score is left out).
    """
    by_id = {c.chain_id: c for c in chains}
    per_signal: dict[str, list[float]] = {}
    medians = []
    for score in scores:
        for name, values in signal_values(by_id[score.chain_id], score).items():
            per_signal.setdefault(name, []).extend(values)
        medians.append(chain_median_nll(score))
    n_steps = sum(len(s.steps) for s in scores)
    if n_steps < MIN_CALIBRATION_STEPS:
        raise InvalidInputError(
            f"calibration needs at least {MIN_CALIBRATION_STEPS} scored steps, got {n_steps}; "
            "pass a larger file of known-good chains",
            context={"steps": n_steps},
        )
    return CalibratedThresholds(
        model=model, chains_file=chains_file,
        calibrated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        n_steps=n_steps, n_chains=len(scores),
        signals={name: distribution(values) for name, values in per_signal.items()},
        domain=distribution(medians),
    )


def usable_thresholds(model: str, entry: CalibratedThresholds | LegacyThresholds | None) -> CalibratedThresholds | None:
    """The model's calibration, None when there is none, or a typed error for an old-format entry."""
    if isinstance(entry, LegacyThresholds):
        raise CalibrationFormatError(
            f"thresholds[{model!r}] in trajectory.yaml were written by an older `cert trajectory calibrate` "
            f"(one statistic{', ' + repr(entry.statistic) if entry.statistic else ''}); the check now calibrates "
            f"six step signals. Re-run `cert trajectory calibrate --chains GOOD.jsonl --model {model}` "
            "on known-good chains to replace them",
            context={"model": model},
        )
    return entry


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
