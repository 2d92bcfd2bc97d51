"""Flow: file + config scan and quality drift -> classify -> actions -> drift_events -> artifact,
metrics and a Prefect event on high/critical drift -> the new baseline."""

from __future__ import annotations

import time
from dataclasses import dataclass

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from cert_core.config import get_settings
from cert_core.drift.actions import summary_names
from cert_core.drift.report import event_rows, quality_rows
from tasks.datasets import write_dataset_task
from tasks.drift import (
    classify_drift_task,
    commit_baseline_task,
    drift_actions_task,
    emit_drift_event_task,
    publish_drift_summary_task,
    quality_drift_task,
    scan_files_task,
)

from ._runtime import flow_context


@dataclass(frozen=True)
class DriftScanResult:
    run_id: str
    event_id: str
    scan_kind: str
    severity: str | None  # None: nothing drifted
    baseline_created: bool
    message: str
    findings: int  # drift_events rows
    quality_drifted: tuple[str, ...]
    actions: tuple[str, ...]
    manual_actions: tuple[str, ...]
    prefect_event_id: str | None
    config_version: str
    drift_events_path: str


@flow(name="drift-scan", task_runner=ThreadPoolTaskRunner(max_workers=2), persist_result=False, log_prints=True)
def drift_scan(
    deep: bool = False,
    results_dir: str | None = None,
    env: str | None = None,
    config_dir: str | None = None,
    project_root: str | None = None,
) -> DriftScanResult:
    """Scan the watched files, config parameters and quality history for drift.

    Args:
        deep: Re-hash every watched file, which catches a content change that kept its size and
            modification time. Off: only files whose size, mtime or inode changed are read.
        results_dir: Parquet output root (default: CERT_RESULTS_DIR or data/results); quality drift
            reads its history from the same place.
        env: Config environment: development, staging or production (default: CERT_ENV).
        config_dir: Config folder (default: CERT_CONFIG_DIR or configs/fusion).
        project_root: The tree the watch patterns are relative to (default: this project).
    """
    started = time.monotonic()
    with flow_context(config_dir, env, results_dir) as run:
        config = run.config
        state_dir = str(get_settings().state_dir)
        scanning = scan_files_task.submit(config, project_root, state_dir, deep)  # files and history at once
        quality = quality_drift_task.submit(config, run.results_dir)
        outcome = scanning.result()
        event = classify_drift_task(config, project_root, state_dir, quote(outcome), quality.result())
        report = drift_actions_task(config, state_dir, event, run.results_dir, config_dir, env)
        actions, manual = summary_names(report.executed), list(report.manual)
        written = write_dataset_task.submit(
            "drift_events", quote(event_rows(event, actions, config.config_version, run.run_id)), run.results_dir,
            run.run_id)
        checks = write_dataset_task.submit(
            "quality_drift_checks", quote(quality_rows(event, config.config_version, run.run_id)), run.results_dir,
            run.run_id)
        written, paths = written.result(), [str(written.result().path), str(checks.result().path)]
        run.logger.info("drift scan (%s): %s", event.scan_kind, event.message)
        emitted = emit_drift_event_task(event, run.run_id)
        publish_drift_summary_task(event, actions, manual, paths, time.monotonic() - started)
        commit_baseline_task(config, project_root, state_dir, quote(outcome))
    return DriftScanResult(
        run.run_id, event.event_id, event.scan_kind, event.severity.value if event.severity else None,
        event.baseline_created, event.message, written.rows,
        tuple(q.metric for q in event.quality_checks if q.drifted), tuple(actions), tuple(manual), emitted,
        config.config_version, str(written.path),
    )
