"""Turn routing results into rows of the routing_decisions and scenario_rejects datasets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from .decision import RoutingDecision
from .validation import ScenarioReject, ValidRow


def decision_rows(
    pairs: Sequence[tuple[ValidRow, RoutingDecision]], config_version: str, run_id: str, now: datetime | None = None
) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    return [
        {
            "scenario_id": d.scenario_id,
            "category": d.category,
            "complexity": d.complexity,
            "complexity_level": d.complexity_level,
            "selected_overlay": d.selected_overlay,
            "confidence": d.confidence,
            "fallback_options": list(d.fallback_options),
            "reasoning": d.reasoning,
            "source": row.source,
            "row_number": row.row_number,
            "config_version": config_version,
            "flow_run_id": run_id,
            "routed_at": now,
        }
        for row, d in pairs
    ]


def reject_rows(rejects: Sequence[ScenarioReject], config_version: str, run_id: str, now: datetime | None = None) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    return [
        {
            "source": r.source,
            "row_number": r.row_number,
            "scenario_id": r.scenario_id,
            "error_type": r.error_type,
            "error_message": r.error_message,
            "raw": r.raw,
            "config_version": config_version,
            "flow_run_id": run_id,
            "rejected_at": now,
        }
        for r in rejects
    ]


@dataclass(frozen=True)
class RoutingSummary:
    routed: int
    rejected: int
    by_overlay: dict[str, int]
    by_category: dict[str, int]
    rejects_by_reason: dict[str, int]
    mean_confidence: float | None


def reject_reason(reject: ScenarioReject) -> str:
    return reject.error_message.split(";")[0].split(" (")[0][:60]


class RoutingTally:
    """Running counts for the run summary, so a streamed run keeps no decision after writing it."""

    def __init__(self) -> None:
        self.overlays: Counter[str] = Counter()
        self.categories: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.routed = 0
        self.rejected = 0
        self._confidence = 0.0

    def add(self, decisions: Sequence[RoutingDecision], rejects: Sequence[ScenarioReject]) -> None:
        self.routed += len(decisions)
        self.rejected += len(rejects)
        self.overlays.update(d.selected_overlay for d in decisions)
        self.categories.update(d.category for d in decisions)
        self.reasons.update(reject_reason(r) for r in rejects)
        self._confidence += sum(d.confidence for d in decisions)

    def summary(self) -> RoutingSummary:
        return RoutingSummary(
            routed=self.routed,
            rejected=self.rejected,
            by_overlay=dict(self.overlays.most_common()),
            by_category=dict(self.categories.most_common()),
            rejects_by_reason=dict(self.reasons.most_common()),
            mean_confidence=(self._confidence / self.routed) if self.routed else None,
        )


def summarise(decisions: Sequence[RoutingDecision], rejects: Sequence[ScenarioReject]) -> RoutingSummary:
    tally = RoutingTally()
    tally.add(decisions, rejects)
    return tally.summary()


def summary_table(summary: RoutingSummary) -> list[dict]:
    """Rows for the run's table artifact: one per overlay, category and reject reason."""
    rows = [{"kind": "overlay", "name": k, "count": v} for k, v in summary.by_overlay.items()]
    rows += [{"kind": "category", "name": k, "count": v} for k, v in summary.by_category.items()]
    rows += [{"kind": "reject", "name": k, "count": v} for k, v in summary.rejects_by_reason.items()]
    return rows


def summary_markdown(summary: RoutingSummary, paths: Sequence[str], config_version: str) -> str:
    confidence = f"{summary.mean_confidence:.3f}" if summary.mean_confidence is not None else "n/a"
    lines = [
        "# Scenario routing",
        f"- routed: **{summary.routed}**, rejected: **{summary.rejected}**",
        f"- mean confidence: {confidence}; config_version `{config_version}`",
        "",
        "| overlay | scenarios |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in summary.by_overlay.items()],
    ]
    if summary.rejects_by_reason:
        lines += ["", "| reject reason | rows |", "|---|---|", *[f"| {k} | {v} |" for k, v in summary.rejects_by_reason.items()]]
    lines += ["", "Written:", *[f"- `{p}`" for p in paths]]
    return "\n".join(lines)
