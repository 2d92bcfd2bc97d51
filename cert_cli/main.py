"""Entry point of the `cert` console script."""

from __future__ import annotations

import click

from .commands.config import config_group
from .commands.coordinate import coordinate
from .commands.drift import drift
from .commands.fuse import fuse
from .commands.health import health_command
from .commands.limits import setup_limits
from .commands.metrics import metrics_group
from .commands.overlays import overlays
from .commands.route import route
from .commands.serve import serve_command
from .commands.trajectory import trajectory_group
from .commands.tripwire import tripwire_group
from .commands.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cert-flows")
def cli() -> None:
    """cert-flows: run and monitor multi-agent LLM work as Prefect flows.

    Flows run on Prefect's ephemeral local API (SQLite) unless PREFECT_API_URL is set.
    Exit codes: 0 completed, 1 the run failed, 2 bad usage or bad config.
    """


cli.add_command(config_group)
cli.add_command(coordinate)
cli.add_command(drift)
cli.add_command(fuse)
cli.add_command(health_command)
cli.add_command(metrics_group)
cli.add_command(overlays)
cli.add_command(route)
cli.add_command(serve_command)
cli.add_command(setup_limits)
cli.add_command(trajectory_group)
cli.add_command(tripwire_group)
cli.add_command(validate)


def main() -> None:
    cli(prog_name="cert")


if __name__ == "__main__":
    main()
