"""Fusion tasks: check the run's runtime up front, process chunks, publish the summary.

The runtime (breakers, SLO windows, tripwire, ledger connections, backend) is a per-process
resource built by cert_core on first use in whichever process runs the task, keyed by what
defines it; these tasks hold nothing between task runs, so chunks run alike on threads,
processes or Dask workers.
"""

from __future__ import annotations

import hashlib

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from cert_core.config import CertConfig, get_settings
from cert_core.fusion import FusionOutcome, FusionRuntime, build_runtime, overlay_comparison
from cert_core.fusion.summary import FusionSummary, summary_markdown, summary_table
from cert_core.resources import process_resource
from cert_core.routing.validation import ValidRow
from tasks.llm import PrefectRequestLimiter, configured_call_llm, ensure_concurrency_limits


def _runtime(config: CertConfig, backend: str | None, max_tokens: int | None, priority: str | None) -> FusionRuntime:
    settings = get_settings()
    key_value = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    key = ("fusion", config.config_version, backend, max_tokens, priority, str(settings.state_dir),
           settings.effective_ledger_url, settings.anthropic_base_url,
           hashlib.sha256(key_value.encode()).hexdigest()[:12])
    return process_resource(
        key,
        lambda: build_runtime(config, settings, backend, max_tokens=max_tokens, priority=priority,
                              limiter=PrefectRequestLimiter.from_config(config.llm, strict=True)),
        close=FusionRuntime.close,
    )


@task(name="ensure-llm-limits", cache_policy=NONE, retries=2, retry_delay_seconds=1)
def ensure_llm_limits_task(config: CertConfig) -> None:
    ensure_concurrency_limits(config.llm)


@task(name="prepare-fusion-runtime", cache_policy=NONE)
def prepare_fusion_runtime_task(config: CertConfig, backend: str | None,
                                max_tokens: int | None, priority: str | None) -> tuple[str, str, str]:
    """Build the runtime up front, so a missing key fails the run before any chunk starts."""
    choice = _runtime(config, backend, max_tokens, priority).choice
    return choice.name.value, choice.backend.model_id, choice.reason


@task(name="fuse-chunk", cache_policy=NONE)
def fuse_chunk_task(chunk: list[ValidRow], run_id: str, config: CertConfig, backend: str | None,
                    max_tokens: int | None, priority: str | None) -> list[FusionOutcome]:
    pipeline = _runtime(config, backend, max_tokens, priority).pipeline
    call = configured_call_llm(config.llm)
    return [pipeline.process(row.scenario, operation_id=f"{run_id}:{row.scenario.id}", call=call) for row in chunk]


@task(name="publish-fusion-summary", cache_policy=NONE)
def publish_fusion_summary_task(summary: FusionSummary, rows: list[dict], config: CertConfig, backend: str,
                                reason: str, paths: list[str]) -> None:
    create_table_artifact(key="fusion-summary", table=summary_table(summary),
                          description=f"Fusion run on the {backend} backend")
    create_table_artifact(
        key="fusion-overlays", table=overlay_comparison(rows, config.scenario_profiles.performance_tracking),
        description="Per-overlay comparison of this run: score (token efficiency; 0 for a failed call), "
                    "latency, runs",
    )
    create_markdown_artifact(key="fusion-report", markdown=summary_markdown(summary, backend, reason, paths))
