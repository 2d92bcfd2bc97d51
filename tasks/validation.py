"""The project validation as a task, and its report artifact."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from cert_core.config import CertConfig
from cert_core.validation import ProjectValidation, check_project


@task(name="check-project", cache_policy=NONE)
def check_project_task(config: CertConfig, scenarios_path: str, results_dir: str) -> ProjectValidation:
    return check_project(config, scenarios_path, results_dir)


@task(name="publish-validation-report", cache_policy=NONE)
def publish_validation_report_task(report: ProjectValidation) -> None:
    lines = [f"# Project validation: {'ok' if report.ok else 'FAILED'}", "", report.summary()]
    lines += [f"- {p}" for p in report.problems]
    create_markdown_artifact(key="validation-report", markdown="\n".join(lines) + "\n")
