"""A run's summary: counts, the worst chains, and the markdown / table shown as artifacts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .results import ChainResult

__all__ = ["TrajectoryRunSummary", "summarize", "table_rows", "worst_chains"]


@dataclass(frozen=True)
class TrajectoryRunSummary:
    run_id: str
    chains_file: str
    model: str
    n_chains: int
    n_ok: int
    n_error: int
    n_passed: int
    n_failed: int
    n_uncalibrated: int
    n_truncated: int
    calibration: str | None = None  # which calibration the check used (model, file, date)
    n_outside_calibration: int = 0
    error_types: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # dataset -> parquet part

    def to_markdown(self, worst: Sequence[ChainResult] = ()) -> str:
        lines = [
            f"# Trajectory scoring: {self.n_chains} chains",
            "",
            f"- model: `{self.model}`",
            f"- input: `{self.chains_file}`",
            f"- calibration: {self.calibration or 'none for this model'}",
            f"- scored: {self.n_ok}, errors: {self.n_error}, truncated: {self.n_truncated}",
            f"- quality check: {self.n_passed} passed, {self.n_failed} failed"
            + (f", {self.n_uncalibrated} without calibrated thresholds (run `cert trajectory calibrate`)"
               if self.n_uncalibrated else ""),
        ]
        if self.n_outside_calibration:
            lines.append(f"- WARNING: {self.n_outside_calibration} chains are far outside the calibration (their "
                         "median nll per token is well above the calibration chains'); their verdicts are "
                         "unreliable. Run `cert trajectory calibrate --chains GOOD.jsonl` on good chains like them.")
        if self.error_types:
            lines.append("- error types: " + ", ".join(f"{k} x{v}" for k, v in sorted(self.error_types.items())))
        if worst:
            lines += ["", "| chain | max anomaly score | worst step | signal | avg perplexity |",
                      "| --- | --- | --- | --- | --- |"]
            lines += [
                f"| {r.chain_id} | {r.max_anomaly_score:.2f} | {r.top_step} | {r.top_signal} | {r.avg_perplexity:.3f} |"
                for r in worst
            ]
        for dataset, path in sorted(self.outputs.items()):
            lines.append(f"\n`{dataset}`: {path}")
        return "\n".join(lines)


def summarize(results: Sequence[ChainResult], run_id: str, chains_file: str, model: str,
              outputs: dict[str, str] | None = None, calibration: str | None = None) -> TrajectoryRunSummary:
    ok = [r for r in results if r.status == "ok"]
    return TrajectoryRunSummary(
        run_id=run_id, chains_file=chains_file, model=model, n_chains=len(results), n_ok=len(ok),
        n_error=len(results) - len(ok),
        n_passed=sum(r.passed_quality_check is True for r in ok),
        n_failed=sum(r.passed_quality_check is False for r in ok),
        n_uncalibrated=sum(r.passed_quality_check is None for r in ok),
        n_truncated=sum(bool(r.truncated) for r in ok),
        calibration=calibration, n_outside_calibration=sum(bool(r.outside_calibration) for r in ok),
        error_types=dict(Counter(r.error_type for r in results if r.status == "error")),
        outputs=dict(outputs or {}),
    )


def worst_chains(results: Sequence[ChainResult], limit: int = 10) -> list[ChainResult]:
    scored = [r for r in results if r.status == "ok" and r.max_anomaly_score is not None]
    return sorted(scored, key=lambda r: -r.max_anomaly_score)[:limit]  # type: ignore[operator]


def table_rows(results: Sequence[ChainResult], limit: int = 200) -> list[dict[str, Any]]:
    """One row per chain for the table artifact (errors first, then the most anomalous)."""
    ordered = sorted(results, key=lambda r: (r.status == "ok", -(r.max_anomaly_score or 0.0)))
    return [
        {
            "chain_id": r.chain_id, "status": r.status, "n_steps": len(r.steps) or None,
            "avg_perplexity": None if r.avg_perplexity is None else round(r.avg_perplexity, 4),
            "max_anomaly_score": None if r.max_anomaly_score is None else round(r.max_anomaly_score, 3),
            "worst_step": r.top_step, "worst_signal": r.top_signal, "passed": r.passed_quality_check,
            "outside_calibration": r.outside_calibration, "truncated": r.truncated,
            "error": None if r.status == "ok" else f"{r.error_type}: {r.error_message}",
        }
        for r in ordered[:limit]
    ]
