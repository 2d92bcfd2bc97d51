from __future__ import annotations

import io
import json
import logging

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from cert_core.observability import CertMetrics, configure_logging, correlation_id, get_logger


def test_json_logs_carry_the_correlation_id_and_extra_fields():
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    log = get_logger("test")
    with correlation_id("run-123"):
        log.info("routed", extra={"scenario_id": "s1", "overlay": "rollback_first"})
    log.info("outside")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["correlation_id"] == "run-123"
    assert first["scenario_id"] == "s1" and first["overlay"] == "rollback_first"
    assert first["logger"] == "cert.test" and first["level"] == "INFO"
    assert second["correlation_id"] is None
    logging.getLogger("cert").handlers.clear()


def test_metric_names_follow_the_monitoring_plan():
    metrics = CertMetrics()
    metrics.routing_decisions.labels("rollback_first", "financial_operations").inc(3)
    metrics.routing_latency.observe(0.002)
    families = {f.name: f for f in text_string_to_metric_families(generate_latest(metrics.registry).decode())}
    for name in ("cert_requests", "cert_request_duration_seconds", "cert_hamiltonian_quality_checks",
                 "cert_coordination_gamma", "cert_model_load_duration_seconds", "cert_cache_hits",
                 "cert_routing_latency_seconds", "cert_routing_decisions", "cert_circuit_breaker_state"):
        assert name in families, name
    sample = next(s for s in families["cert_routing_decisions"].samples if s.name.endswith("_total"))
    assert sample.value == 3 and sample.labels == {"overlay": "rollback_first", "category": "financial_operations"}
