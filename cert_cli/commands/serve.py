"""`cert serve`: every deployment of deployments/prefect.yaml served from one process (no work pool).

The laptop path: `prefect server start` in one terminal, `cert serve` in another, runs started
from the UI. The deployments, parameters, schedules and triggers come from prefect.yaml, so the
served deployments and the worker-pool deployments cannot drift apart.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
import yaml

from cert_core.errors import ConfigError
from cert_core.paths import PROJECT_ROOT

from .._common import cli_errors

PREFECT_FILE = PROJECT_ROOT / "deployments" / "prefect.yaml"


def deployment_specs(prefect_file: Path = PREFECT_FILE) -> list[dict]:
    try:
        specs = yaml.safe_load(prefect_file.read_text())["deployments"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the deployments of {prefect_file}: {exc}; restore it from git") from exc
    return list(specs)


def served_deployments(prefect_file: Path = PREFECT_FILE) -> list:
    """One RunnerDeployment (``flow.to_deployment``) per entry of prefect.yaml."""
    from pydantic import TypeAdapter
    from prefect.events.schemas.deployment_triggers import DeploymentTriggerTypes
    from prefect.flows import load_flow_from_entrypoint
    from prefect.schedules import Cron

    triggers = TypeAdapter(list[DeploymentTriggerTypes])
    deployments = []
    for spec in deployment_specs(prefect_file):
        flow = load_flow_from_entrypoint(str(prefect_file.parents[1] / spec["entrypoint"]))
        schedules = [Cron(s["cron"], timezone=s.get("timezone", "UTC"), active=s.get("active", True))
                     for s in spec.get("schedules", [])]
        deployments.append(flow.to_deployment(
            name=spec["name"], description=spec.get("description"), tags=spec.get("tags"),
            parameters=spec.get("parameters", {}), schedules=schedules,
            triggers=triggers.validate_python(spec.get("triggers", [])),
        ))
    return deployments


@click.command("serve", help="Serve every deployment of deployments/prefect.yaml from this process until "
                             "interrupted (needs PREFECT_API_URL, e.g. a `prefect server start`).")
@click.option("--limit", default=None, type=click.IntRange(min=1), help="At most this many runs at once.")
@cli_errors
def serve_command(limit: int | None) -> None:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ConfigError("PREFECT_API_URL is not set; start `prefect server start` and "
                          "`export PREFECT_API_URL=http://127.0.0.1:4200/api`, then run `cert serve` again")
    from prefect.flows import serve

    os.chdir(PROJECT_ROOT)  # relative defaults (data/...) resolve as they do for the worker
    deployments = served_deployments()
    click.echo(f"serving {len(deployments)} deployments from {PREFECT_FILE}; Ctrl-C stops")
    serve(*deployments, limit=limit, print_starting_message=False)
