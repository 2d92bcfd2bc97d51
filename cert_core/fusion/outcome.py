"""One scenario's result in the fusion pipeline: a row of the fusion_runs dataset."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime


@dataclass(frozen=True)
class FusionOutcome:
    scenario_id: str
    overlay: str | None
    backend: str
    model: str | None
    status: str  # ok | error | denied | circuit_open
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    token_delta_pct: float | None = None
    tripwire_breach: bool | None = None
    downgrade_active: bool | None = None
    circuit_state: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    run_at: datetime | None = None

    def as_row(self, config_version: str, run_id: str) -> dict:
        return {**asdict(self), "config_version": config_version, "flow_run_id": run_id}
