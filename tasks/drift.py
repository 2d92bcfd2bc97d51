"""Drift tasks: scan files, test quality, classify, answer, publish, emit, commit the baseline.

A task builds its DriftWatchdog from its arguments (cheap: no files are read until a scan), so no
state is held between task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.events import emit_event

from cert_core.config import CertConfig
from cert_core.drift import ActionContext, ActionReport, DriftEvent, DriftWatchdog, QualityCheck, ScanOutcome
from cert_core.drift.observe import record_drift_metrics
from cert_core.drift.quality import run_quality_drift
from cert_core.drift.report import summary_markdown, summary_table
from cert_core.statuses import DriftSeverity

EMITTED_LEVELS = (DriftSeverity.HIGH, DriftSeverity.CRITICAL)


def _watchdog(config: CertConfig, root: str | None, state_dir: str) -> DriftWatchdog:
    return DriftWatchdog(config.drift_policy, root=root, state_dir=state_dir)


@task(name="drift-file-scan", cache_policy=NONE)
def scan_files_task(config: CertConfig, root: str | None, state_dir: str, deep: bool) -> ScanOutcome:
    return _watchdog(config, root, state_dir).scan_for_changes(deep)


@task(name="quality-drift", cache_policy=NONE)
def quality_drift_task(config: CertConfig, results_dir: str) -> tuple[QualityCheck, ...]:
    return run_quality_drift(config.drift_policy.quality_drift, results_dir)


@task(name="drift-classify", cache_policy=NONE)
def classify_drift_task(config: CertConfig, root: str | None, state_dir: str, outcome: ScanOutcome,
                        quality: Sequence[QualityCheck]) -> DriftEvent:
    return _watchdog(config, root, state_dir).build_event(outcome, quality)


@task(name="drift-actions", cache_policy=NONE)
def drift_actions_task(config: CertConfig, state_dir: str, event: DriftEvent, results_dir: str,
                       config_dir: str | None, env: str | None) -> ActionReport:
    context = ActionContext(Path(state_dir), config_dir, env, results_dir)
    return _watchdog(config, None, state_dir).execute_drift_actions(event, context)


@task(name="commit-drift-baseline", cache_policy=NONE)
def commit_baseline_task(config: CertConfig, root: str | None, state_dir: str, outcome: ScanOutcome) -> None:
    _watchdog(config, root, state_dir).commit(outcome)


@task(name="publish-drift-summary", cache_policy=NONE)
def publish_drift_summary_task(event: DriftEvent, actions: list[str], manual: list[str], paths: list[str],
                               duration_s: float) -> None:
    record_drift_metrics(event, duration_s)
    if event.quality_checks:
        create_table_artifact(key="quality-drift", table=summary_table(event.quality_checks),
                              description="Quality drift: recent window against reference window, per metric")
    create_markdown_artifact(key="drift-report", markdown=summary_markdown(event, actions, manual, paths))


@task(name="emit-drift-event", cache_policy=NONE)
def emit_drift_event_task(event: DriftEvent, run_id: str) -> str | None:
    """A Prefect event for high and critical drift (`cert.drift.high`, `cert.drift.critical`), which
    the validation deployment's trigger reacts to. Returns the event id; None when not emitted."""
    logger = get_run_logger()
    if event.severity not in EMITTED_LEVELS:
        return None
    emitted = emit_event(
        event=f"cert.drift.{event.severity.value}",
        resource={"prefect.resource.id": f"cert.drift.{event.scan_kind}", "prefect.resource.name": "drift-scan"},
        payload={"event_id": event.event_id, "severity": event.severity.value, "message": event.message,
                 "flow_run_id": run_id, "facts": list(event.facts),
                 "files": [c.file_path for c in event.file_changes][:20],
                 "parameters": [f"{p.file_path}:{p.parameter}" for p in event.param_changes][:20]},
    )
    if emitted is None:
        logger.warning("cert.drift.%s was not emitted: Prefect events are off in this process (no API or events "
                       "client); the validation trigger will not fire for event %s", event.severity.value,
                       event.event_id)
        return None
    logger.info("emitted cert.drift.%s (%s)", event.severity.value, emitted.id)
    return str(emitted.id)
