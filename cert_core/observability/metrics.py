"""The Prometheus metrics of cert-flows (names from the monitoring plan, ``cert_*``).

All metrics live on one registry. Set PROMETHEUS_MULTIPROC_DIR (before the first import of
prometheus_client) on workers and on `cert metrics serve` to aggregate across processes with
prometheus_client's own multiprocess mode; without it the registry is per process.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import multiprocess as _multiprocess

LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class CertMetrics:
    """Every metric, created once on ``registry``. Later issues fill them in; names are stable."""

    def __init__(self, registry: CollectorRegistry | None = None, namespace: str = "cert") -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r, ns = self.registry, namespace
        # request-level (seed)
        self.requests_total = Counter(f"{ns}_requests_total", "Requests processed", ["service", "status"], registry=r)
        self.request_duration = Histogram(
            f"{ns}_request_duration_seconds", "Request duration", ["service", "operation"],
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.request_errors = Counter(
            f"{ns}_request_errors_total", "Request errors", ["service", "error_type"], registry=r
        )
        # routing
        self.routing_latency = Histogram(
            f"{ns}_routing_latency_seconds", "Time to route one scenario", buckets=LATENCY_BUCKETS, registry=r
        )
        self.routing_decisions = Counter(
            f"{ns}_routing_decisions_total", "Routing decisions", ["overlay", "category"], registry=r
        )
        self.scenario_rejects = Counter(
            f"{ns}_scenario_rejects_total", "Scenario rows rejected by validation", ["error_type"], registry=r
        )
        # LLM / fusion / governance
        self.llm_calls = Counter(f"{ns}_llm_calls_total", "LLM calls", ["backend", "status"], registry=r)
        self.llm_tokens = Counter(
            f"{ns}_llm_tokens_total", "LLM tokens", ["backend", "direction"], registry=r
        )
        self.llm_cost = Counter(f"{ns}_llm_cost_usd_total", "LLM cost in USD", ["backend", "model"], registry=r)
        self.llm_latency = Histogram(
            f"{ns}_llm_latency_seconds", "LLM call latency", ["backend"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.llm_retries = Counter(f"{ns}_llm_retries_total", "LLM retry attempts", ["reason"], registry=r)
        self.circuit_state = Gauge(
            f"{ns}_circuit_breaker_state", "Breaker state (0 closed, 1 half-open, 2 open)", ["name"],
            registry=r, multiprocess_mode="livemax",
        )
        self.tripwire_active = Gauge(
            f"{ns}_budget_tripwire_active", "1 when the budget downgrade is active", registry=r,
            multiprocess_mode="livemax",
        )
        self.budget_denials = Counter(f"{ns}_budget_denials_total", "Budget allocations denied", ["reason"], registry=r)
        self.budget_overcommits = Counter(
            f"{ns}_budget_overcommits_total",
            "Commits above their hold (kind=over_reservation), after it expired (late) or past a cap (the cap's name)",
            ["kind"], registry=r,
        )
        # trajectory (seed: hamiltonian)
        self.hamiltonian_quality_checks = Counter(
            f"{ns}_hamiltonian_quality_checks_total", "Trajectory quality check results", ["result"], registry=r
        )
        self.model_load_duration = Histogram(
            f"{ns}_model_load_duration_seconds", "Model loading time", ["model_name"], registry=r
        )
        self.model_memory = Gauge(
            f"{ns}_model_memory_bytes", "Model memory", ["model_name", "device"], registry=r,
            multiprocess_mode="livemax",
        )
        self.cache_hits = Counter(f"{ns}_cache_hits_total", "Cache hits", ["cache_type"], registry=r)
        self.cache_misses = Counter(f"{ns}_cache_misses_total", "Cache misses", ["cache_type"], registry=r)
        self.gpu_oom_fallbacks = Counter(
            f"{ns}_gpu_oom_fallbacks_total", "Batches moved to CPU after CUDA OOM", registry=r
        )
        # coordination (seed)
        self.coordination_gamma = Histogram(
            f"{ns}_coordination_gamma", "Coordination effect (gamma)",
            buckets=(0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0), registry=r,
        )
        self.coordination_api_calls = Counter(
            f"{ns}_coordination_api_calls_total", "API calls for coordination", ["agent", "status"], registry=r
        )
        self.coordination_cost = Counter(
            f"{ns}_coordination_cost_usd", "Coordination API cost in USD", ["agent"], registry=r
        )
        # drift (cert_core/drift; set by the drift-scan flow)
        self.drift_events = Counter(
            f"{ns}_drift_events_total", "Drift findings by kind (file, config, quality) and the event's severity",
            ["kind", "severity"], registry=r,
        )
        self.drift_last_severity = Gauge(
            f"{ns}_drift_last_severity", "Severity of the last drift scan (0 none, 1 low, 2 medium, 3 high, 4 critical)",
            registry=r, multiprocess_mode="mostrecent",
        )
        self.quality_drift_drifted = Gauge(
            f"{ns}_quality_drift_drifted", "1 when the metric's recent window drifted from its reference window",
            ["metric"], registry=r, multiprocess_mode="mostrecent",
        )
        self.drift_scan_duration = Histogram(
            f"{ns}_drift_scan_duration_seconds", "Duration of one drift scan (files, config and quality)",
            buckets=LATENCY_BUCKETS, registry=r,
        )
        # datasets
        self.rows_written = Counter(f"{ns}_rows_written_total", "Parquet rows published", ["dataset"], registry=r)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def aggregate_registry() -> CollectorRegistry:
    """For the /metrics server: the multiprocess view when enabled, else this process's registry."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return registry
    return METRICS.registry


METRICS = CertMetrics()
