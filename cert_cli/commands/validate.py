"""`cert validate`: run the validate-project flow ad hoc."""

from __future__ import annotations

import click

from cert_core.validation import DEFAULT_SAMPLE

from .._common import cli_errors, run_flow, with_config_dir_option, with_env_option, with_results_dir_option


@click.command("validate", help="Validate the config and run a routing smoke run on the sample scenarios "
                                "(exit 2 for a bad config, 1 when the smoke run fails).")
@click.option("--scenarios", "scenarios_path", default=DEFAULT_SAMPLE, show_default=True,
              type=click.Path(dir_okay=False), help="Scenarios for the smoke run.")
@with_results_dir_option
@with_config_dir_option
@with_env_option
@cli_errors
def validate(scenarios_path: str, results_dir: str | None, config_dir: str | None, env: str | None) -> None:
    report = run_flow("flows.validation:validate_project", results_dir=results_dir, env=env, config_dir=config_dir,
                      scenarios_path=scenarios_path)
    click.echo(report.summary())
