"""Quality gates after a drift event: is the system still healthy? (drift_policy.yaml quality_gates)

Evaluated by `execute_drift_actions` when the event's level says `quality_gate_required`. The
system health gates are measured here: availability, error rate and latency p95 over the fusion
calls of the last `gate_check_window_minutes` (`fusion_runs`), and this process's resident
memory. A window without calls gives no verdict on the call gates (not a failure). Consecutive
failing evaluations are counted in `<state_dir>/drift/gates.json`; at `consecutive_failures_threshold`
the policy's recovery strategies are due (listed for a person; nothing here rolls files back).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..config.drift_policy import QualityGates
from ..io.parquet import dataset_path
from ..io.private import write_private_atomic
from ..io.schemas import SCHEMAS

__all__ = ["GateCheck", "GateReport", "evaluate_gates", "record_gate_result"]


@dataclass(frozen=True)
class GateCheck:
    name: str
    value: float | None  # None: no data in the window
    threshold: float
    passed: bool | None  # None: no verdict
    bound: str  # ">=" or "<="

    def describe(self) -> str:
        if self.value is None:
            return f"{self.name}: no data"
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.name} {self.value:.4g} (needs {self.bound} {self.threshold:g}) {verdict}"


@dataclass(frozen=True)
class GateReport:
    checks: tuple[GateCheck, ...]
    calls: int  # fusion calls in the window

    @property
    def passed(self) -> bool:
        return all(c.passed is not False for c in self.checks)


def _window(results_dir: str | Path | None, since: datetime) -> tuple[np.ndarray, np.ndarray]:
    """(ok flags, latencies of the ok calls) of the fusion calls at or after ``since``."""
    path = dataset_path("fusion_runs", results_dir) if results_dir is not None else None
    if path is None or not path.is_dir():
        return np.empty(0, dtype=bool), np.empty(0)
    schema = pa.schema(list(SCHEMAS["fusion_runs"]) + [pa.field("date", pa.string())])
    source = ds.dataset(path, format="parquet", partitioning="hive", exclude_invalid_files=True, schema=schema)
    table = source.to_table(columns=["status", "latency_ms"], filter=pc.field("run_at") >= pa.scalar(since, schema.field("run_at").type))
    ok = pc.equal(table["status"], "ok").to_numpy(zero_copy_only=False).astype(bool)
    latency = table["latency_ms"].to_numpy(zero_copy_only=False).astype(float)
    latency = latency[ok]
    return ok, latency[~np.isnan(latency)]


def _resident_mb() -> float | None:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1_048_576
    except (OSError, ValueError, IndexError):
        return None  # not Linux: no verdict on memory


def _check(name: str, value: float | None, threshold: float, bound: str) -> GateCheck:
    if value is None:
        return GateCheck(name, None, threshold, None, bound)
    return GateCheck(name, value, threshold, value >= threshold if bound == ">=" else value <= threshold, bound)


def evaluate_gates(gates: QualityGates, results_dir: str | Path | None, now: datetime) -> GateReport:
    health = gates.system_health_gates
    ok, latency = _window(results_dir, now - timedelta(minutes=gates.evaluation_settings.gate_check_window_minutes))
    calls = len(ok)
    availability = float(ok.mean()) if calls else None
    checks = (
        _check("availability", availability, health.availability_threshold, ">="),
        _check("error_rate", None if availability is None else 1.0 - availability, health.error_rate_threshold, "<="),
        _check("latency_p95_ms", float(np.percentile(latency, 95)) if len(latency) else None,
               health.latency_p95_threshold_ms, "<="),
        _check("memory_usage_mb", _resident_mb(), health.memory_usage_threshold_mb, "<="),
    )
    return GateReport(checks, calls)


def record_gate_result(state_dir: Path, passed: bool) -> int:
    """Count consecutive failing evaluations (0 after a pass); returns the count now."""
    path = state_dir / "drift" / "gates.json"
    try:
        failures = int(json.loads(path.read_text()).get("consecutive_failures", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        failures = 0  # no history (or an unreadable one): start counting again
    failures = 0 if passed else failures + 1
    write_private_atomic(path, json.dumps({"consecutive_failures": failures}).encode("utf-8"))
    return failures
