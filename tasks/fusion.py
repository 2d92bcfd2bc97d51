"""Fusion tasks: build the run's shared runtime, process chunks, publish the summary.

A flow run's chunks share one FusionRuntime (breakers, tripwire, ledger connections), kept in
this process for the run and closed by `close_fusion_runtime_task`.
"""

from __future__ import annotations

import threading
from collections import Counter

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from cert_core.config import CertConfig, get_settings
from cert_core.fusion import FusionOutcome, FusionRuntime, build_runtime
from cert_core.routing.validation import ValidRow
from tasks.llm import PrefectRequestLimiter, configured_call_llm, ensure_concurrency_limits

_RUNTIMES: dict[str, FusionRuntime] = {}
_LOCK = threading.Lock()


def _runtime(run_id: str, config: CertConfig, backend: str | None, max_tokens: int | None, priority: str | None) -> FusionRuntime:
    with _LOCK:
        if run_id not in _RUNTIMES:
            call_llm = configured_call_llm(config.llm)
            _RUNTIMES[run_id] = build_runtime(
                config, get_settings(), backend,
                limiter=PrefectRequestLimiter(config.llm.rate_limits, strict=True),
                wrap_complete=lambda guarded: lambda prompt, **kw: call_llm(guarded, prompt, **kw),
                max_tokens=max_tokens, priority=priority,
            )
        return _RUNTIMES[run_id]


@task(name="ensure-llm-limits", cache_policy=NONE, retries=2, retry_delay_seconds=1)
def ensure_llm_limits_task(config: CertConfig) -> None:
    ensure_concurrency_limits(config.llm)


@task(name="prepare-fusion-runtime", cache_policy=NONE)
def prepare_fusion_runtime_task(run_id: str, config: CertConfig, backend: str | None,
                                max_tokens: int | None, priority: str | None) -> tuple[str, str, str]:
    """Build the backend once up front, so a missing key fails the run before any chunk starts."""
    choice = _runtime(run_id, config, backend, max_tokens, priority).choice
    return choice.name, choice.backend.model_id, choice.reason


@task(name="fuse-chunk", cache_policy=NONE)
def fuse_chunk_task(chunk: list[ValidRow], run_id: str, config: CertConfig, backend: str | None,
                    max_tokens: int | None, priority: str | None) -> list[FusionOutcome]:
    pipeline = _runtime(run_id, config, backend, max_tokens, priority).pipeline
    return [pipeline.process(row.scenario, operation_id=f"{run_id}:{row.scenario.id}") for row in chunk]


@task(name="close-fusion-runtime", cache_policy=NONE)
def close_fusion_runtime_task(run_id: str) -> None:
    with _LOCK:
        runtime = _RUNTIMES.pop(run_id, None)
    if runtime is not None:
        runtime.close()


@task(name="publish-fusion-summary", cache_policy=NONE)
def publish_fusion_summary_task(outcomes: list[FusionOutcome], backend: str, reason: str, paths: list[str]) -> None:
    by_status = Counter(o.status for o in outcomes)
    by_error = Counter(o.error_type for o in outcomes if o.error_type)
    ok = [o for o in outcomes if o.status == "ok"]
    rows = [{"metric": f"status:{k}", "value": v} for k, v in by_status.most_common()]
    rows += [{"metric": f"error:{k}", "value": v} for k, v in by_error.most_common()]
    rows += [
        {"metric": "input_tokens", "value": sum(o.input_tokens or 0 for o in ok)},
        {"metric": "output_tokens", "value": sum(o.output_tokens or 0 for o in ok)},
        {"metric": "cost_usd", "value": round(sum(o.cost_usd or 0.0 for o in ok), 6)},
        {"metric": "tripwire_breaches", "value": sum(bool(o.tripwire_breach) for o in ok)},
    ]
    create_table_artifact(key="fusion-summary", table=rows, description=f"Fusion run on the {backend} backend")
    label = " (SIMULATED: no real LLM was called)" if backend == "simulated" else ""
    create_markdown_artifact(
        key="fusion-report",
        markdown="\n".join([
            f"# Fusion pipeline: {backend} backend{label}",
            f"- backend choice: {reason}",
            f"- scenarios: {len(outcomes)}; " + ", ".join(f"{k}: {v}" for k, v in by_status.most_common()),
            "", "Written:", *[f"- `{p}`" for p in paths],
        ]),
    )
