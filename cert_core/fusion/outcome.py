"""One scenario's result in the fusion pipeline: a row of the fusion_runs dataset."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from ..statuses import FusionStatus

__all__ = ["FusionOutcome"]


@dataclass(frozen=True)
class FusionOutcome:
    scenario_id: str
    overlay: str | None
    backend: str
    model: str | None
    status: FusionStatus
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    token_delta_pct: float | None = None
    tripwire_breach: bool | None = None
    downgrade_active: bool | None = None
    circuit_state: str | None = None
    degradation: str | None = None  # the SLO degradation strategies in force for this call
    error_type: str | None = None
    error_message: str | None = None
    run_at: datetime | None = None

    def as_row(self, config_version: str, run_id: str) -> dict:
        row = asdict(self)
        row["status"] = self.status.value
        return {**row, "config_version": config_version, "flow_run_id": run_id}
