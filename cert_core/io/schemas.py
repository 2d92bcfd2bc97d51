"""Explicit pyarrow schemas for every dataset (DESIGN.md "Data contracts").

Columns never change type between runs: writers always cast to these schemas, so an
all-null column is still typed. Timestamps are UTC. Extra columns are added here, never ad hoc.
"""

from __future__ import annotations

import pyarrow as pa

from ..statuses import ChainStatus, CoordinationStatus, DriftSeverity, FusionStatus, QualityCheckStatus

TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
F64 = pa.float64()
I64 = pa.int64()
BOOL = pa.bool_()
STR_LIST = pa.list_(pa.string())


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(name, dtype, nullable=nullable) for name, dtype, nullable in fields])


ROUTING_DECISIONS = _schema(
    ("scenario_id", STR, False),
    ("category", STR, False),
    ("complexity", F64, False),
    ("complexity_level", STR, False),
    ("selected_overlay", STR, False),
    ("confidence", F64, False),
    ("fallback_options", STR_LIST, False),
    ("reasoning", STR, False),
    ("source", STR, True),
    ("row_number", I64, True),
    ("config_version", STR, False),
    ("flow_run_id", STR, False),
    ("routed_at", TS, False),
)

SCENARIO_REJECTS = _schema(
    ("source", STR, False),
    ("row_number", I64, False),
    ("scenario_id", STR, True),
    ("error_type", STR, False),
    ("error_message", STR, False),
    ("raw", STR, True),
    ("config_version", STR, True),
    ("flow_run_id", STR, False),
    ("rejected_at", TS, False),
)

FUSION_RUNS = _schema(
    ("scenario_id", STR, False),
    ("overlay", STR, True),
    ("backend", STR, False),
    ("model", STR, True),
    ("status", STR, False),
    ("input_tokens", I64, True),
    ("output_tokens", I64, True),
    ("cost_usd", F64, True),
    ("latency_ms", F64, True),
    ("token_delta_pct", F64, True),
    ("tripwire_breach", BOOL, True),
    ("downgrade_active", BOOL, True),
    ("circuit_state", STR, True),
    ("degradation", STR, True),  # the SLO degradation strategies in force for this call (slo.yaml), comma-joined
    ("error_type", STR, True),
    ("error_message", STR, True),
    ("config_version", STR, True),
    ("flow_run_id", STR, False),
    ("run_at", TS, False),
)

COORDINATION_RUNS = _schema(
    ("run_id", STR, False),
    ("task_id", STR, False),
    ("strategy", STR, False),
    ("num_agents", I64, False),
    ("backend", STR, False),
    ("model", STR, True),
    ("baseline_quality", F64, True),
    ("best_baseline_quality", F64, True),
    ("coordinated_quality", F64, True),
    ("coordinated_quality_std", F64, True),  # across judge_repeats (0.0 for one repeat)
    ("vote_quality", F64, True),
    ("gamma", F64, True),
    ("omega", F64, True),
    ("gain_over_vote", F64, True),
    ("consensus_rate", F64, True),
    ("consensus_truncated", I64, True),  # agent responses longer than the embedding model's window
    ("judge_error", STR, True),
    ("arbitration", STR, True),  # how a vote without quorum was settled (aggregator, weighted_plurality)
    ("baseline_cached", BOOL, True),
    ("coordinated_cached", BOOL, True),
    ("baseline_run_id", STR, True),  # the flow run whose calls measured the baseline
    ("llm_calls", I64, True),
    ("input_tokens", I64, True),
    ("output_tokens", I64, True),
    ("cost_usd", F64, True),
    ("duration_s", F64, True),
    ("status", STR, False),
    ("error_type", STR, True),
    ("error_message", STR, True),
    ("config_version", STR, True),
    ("flow_run_id", STR, False),
    ("run_at", TS, False),
)

AGENT_RESPONSES = _schema(
    ("run_id", STR, False),
    ("task_id", STR, False),
    ("phase", STR, False),
    ("agent_id", STR, False),
    ("round", I64, False),
    ("response", STR, True),
    ("quality", F64, True),
    ("input_tokens", I64, True),
    ("output_tokens", I64, True),
    ("cost_usd", F64, True),
    ("latency_ms", F64, True),
    ("strategy", STR, True),  # the strategy the call served; null for baseline calls
    ("quality_std", F64, True),
    ("judge_error", STR, True),
    ("model", STR, True),
    ("call_tag", STR, True),
    ("config_version", STR, True),
    ("created_at", TS, True),
)

TRAJECTORY_STEPS = _schema(
    ("chain_id", STR, False),
    ("step_index", I64, False),
    ("n_tokens", I64, False),
    ("mean_nll", F64, False),
    ("perplexity", F64, False),
    ("mean_entropy", F64, False),
    ("surprise", F64, False),
    ("cumulative_surprise", F64, False),
    ("max_nll", F64, False),
    ("anomaly_score", F64, True),
    ("anomaly", BOOL, True),
    ("anomaly_signal", STR, True),
    ("model", STR, True),
    ("flow_run_id", STR, True),
)

TRAJECTORY_CHAINS = _schema(
    ("chain_id", STR, False),
    ("n_steps", I64, True),
    ("n_tokens", I64, True),
    ("avg_perplexity", F64, True),
    ("avg_entropy", F64, True),
    ("cumulative_surprise", F64, True),
    ("max_anomaly_score", F64, True),
    ("passed_quality_check", BOOL, True),
    ("outside_calibration", BOOL, True),
    ("truncated", BOOL, True),
    ("model", STR, True),
    ("status", STR, False),
    ("error_type", STR, True),
    ("error_message", STR, True),
    ("config_version", STR, True),
    ("flow_run_id", STR, False),
    ("analyzed_at", TS, False),
)

DRIFT_EVENTS = _schema(
    ("event_id", STR, False),
    ("drift_type", STR, False),
    ("severity", STR, False),
    ("subject", STR, False),
    ("change_type", STR, True),
    ("old_value", STR, True),
    ("new_value", STR, True),
    ("statistic", F64, True),
    ("p_value", F64, True),
    ("actions", STR_LIST, True),
    ("detail", STR, True),  # why a file could not be looked at, or that a parameter is critical
    ("scan_kind", STR, True),  # incremental | deep
    ("config_version", STR, True),
    ("flow_run_id", STR, False),
    ("detected_at", TS, False),
)

QUALITY_DRIFT_CHECKS = _schema(
    ("event_id", STR, False),
    ("metric", STR, False),
    ("dataset", STR, False),
    ("status", STR, False),
    ("n_reference", I64, False),
    ("n_recent", I64, False),
    ("ks_statistic", F64, True),
    ("ks_p_value", F64, True),
    ("ks_p_adjusted", F64, True),  # Benjamini-Hochberg across the scan's metrics
    ("psi", F64, True),
    ("drifted", BOOL, False),
    ("reason", STR, True),
    ("config_version", STR, True),
    ("flow_run_id", STR, False),
    ("checked_at", TS, False),
)

SCHEMAS: dict[str, pa.Schema] = {
    "routing_decisions": ROUTING_DECISIONS,
    "scenario_rejects": SCENARIO_REJECTS,
    "fusion_runs": FUSION_RUNS,
    "coordination_runs": COORDINATION_RUNS,
    "agent_responses": AGENT_RESPONSES,
    "trajectory_steps": TRAJECTORY_STEPS,
    "trajectory_chains": TRAJECTORY_CHAINS,
    "drift_events": DRIFT_EVENTS,
    "quality_drift_checks": QUALITY_DRIFT_CHECKS,
}

# Closed value sets that validation enforces.
VALUE_SETS: dict[str, dict[str, list[str]]] = {
    "fusion_runs": {"status": [s.value for s in FusionStatus]},
    "coordination_runs": {"status": [s.value for s in CoordinationStatus]},
    "agent_responses": {"phase": ["baseline", "coordinated", "aggregate", "judge"]},
    "trajectory_chains": {"status": [s.value for s in ChainStatus]},
    "drift_events": {
        "drift_type": ["file", "config", "quality"],
        "severity": [s.value for s in DriftSeverity],
    },
    "quality_drift_checks": {"status": [s.value for s in QualityCheckStatus]},
}

# Numeric ranges (inclusive; None = unbounded) that validation enforces.
RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "routing_decisions": {"complexity": (0.0, 1.0), "confidence": (0.0, 1.0)},
    "fusion_runs": {"input_tokens": (0, None), "output_tokens": (0, None), "cost_usd": (0.0, None)},
    "trajectory_steps": {"n_tokens": (1, None), "mean_entropy": (0.0, None), "surprise": (0.0, None)},
    "coordination_runs": {"consensus_rate": (-1.0, 1.0), "baseline_quality": (0.0, 1.0),
                          "coordinated_quality": (0.0, 1.0), "vote_quality": (0.0, 1.0), "llm_calls": (0, None),
                          "cost_usd": (0.0, None)},
    "agent_responses": {"quality": (0.0, 1.0), "input_tokens": (0, None), "output_tokens": (0, None)},
    "quality_drift_checks": {"ks_p_value": (0.0, 1.0), "ks_p_adjusted": (0.0, 1.0), "n_reference": (0, None),
                             "n_recent": (0, None)},
}


def schema_for(dataset: str) -> pa.Schema:
    try:
        return SCHEMAS[dataset]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(sorted(SCHEMAS))}") from None
