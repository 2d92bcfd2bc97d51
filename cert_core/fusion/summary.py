"""A fusion run's summary: counts by status and error, tokens, cost, and the artifacts' content."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..statuses import FusionStatus

__all__ = ["FusionSummary", "summarise_fusion", "summary_markdown", "summary_table"]


@dataclass(frozen=True)
class FusionSummary:
    scenarios: int
    by_status: dict[str, int]
    by_error: dict[str, int]
    input_tokens: int
    output_tokens: int
    cost_usd: float
    tripwire_breaches: int
    degraded_calls: int


def summarise_fusion(rows: Sequence[Mapping[str, Any]]) -> FusionSummary:
    """From fusion_runs rows; tokens and cost are those of the calls that answered."""
    ok = [r for r in rows if r["status"] == FusionStatus.OK]
    return FusionSummary(
        scenarios=len(rows),
        by_status=dict(Counter(str(r["status"]) for r in rows).most_common()),
        by_error=dict(Counter(r["error_type"] for r in rows if r["error_type"]).most_common()),
        input_tokens=sum(r["input_tokens"] or 0 for r in ok),
        output_tokens=sum(r["output_tokens"] or 0 for r in ok),
        cost_usd=round(sum(r["cost_usd"] or 0.0 for r in ok), 6),
        tripwire_breaches=sum(bool(r["tripwire_breach"]) for r in ok),
        degraded_calls=sum(r["degradation"] is not None for r in rows),
    )


def summary_table(summary: FusionSummary) -> list[dict[str, Any]]:
    rows = [{"metric": f"status:{k}", "value": v} for k, v in summary.by_status.items()]
    rows += [{"metric": f"error:{k}", "value": v} for k, v in summary.by_error.items()]
    rows += [
        {"metric": "input_tokens", "value": summary.input_tokens},
        {"metric": "output_tokens", "value": summary.output_tokens},
        {"metric": "cost_usd", "value": summary.cost_usd},
        {"metric": "tripwire_breaches", "value": summary.tripwire_breaches},
        {"metric": "slo_degraded_calls", "value": summary.degraded_calls},
    ]
    return rows


def summary_markdown(summary: FusionSummary, backend: str, reason: str, paths: Sequence[str]) -> str:
    label = " (SIMULATED: no real LLM was called)" if backend == "simulated" else ""
    return "\n".join([
        f"# Fusion pipeline: {backend} backend{label}",
        f"- backend choice: {reason}",
        f"- scenarios: {summary.scenarios}; " + ", ".join(f"{k}: {v}" for k, v in summary.by_status.items()),
        "", "Written:", *[f"- `{p}`" for p in paths],
    ])
