"""Flow: load and validate the config -> routing smoke run on the sample -> report (fails when invalid)."""

from __future__ import annotations

from prefect import flow

from cert_core.errors import ValidationFailed
from cert_core.validation import DEFAULT_SAMPLE, ProjectValidation
from tasks.validation import check_project_task, publish_validation_report_task

from ._runtime import flow_context


@flow(name="validate-project", persist_result=False, log_prints=True)
def validate_project(
    results_dir: str | None = None,
    env: str | None = None,
    config_dir: str | None = None,
    scenarios_path: str = DEFAULT_SAMPLE,
) -> ProjectValidation:
    """Validate the project: every config file, then a routing smoke run on the sample scenarios.

    The run fails (with what to fix) when the config is invalid, the sample does not route, or the
    results folder cannot be written. The drift-scan deployment's critical-drift trigger runs it.

    Args:
        results_dir: Parquet output root to check for writing (default: CERT_RESULTS_DIR or data/results).
        env: Config environment: development, staging or production (default: CERT_ENV).
        config_dir: Config folder (default: CERT_CONFIG_DIR or configs/fusion).
        scenarios_path: Scenarios for the routing smoke run (.jsonl, .yaml or .parquet).
    """
    with flow_context(config_dir, env, results_dir) as run:  # a bad config fails here with ConfigError
        report = check_project_task(run.config, scenarios_path, run.results_dir)
        publish_validation_report_task(report)
        run.logger.info("%s", report.summary())
    if not report.ok:
        raise ValidationFailed(report.summary(), context={"problems": list(report.problems)})
    return report
