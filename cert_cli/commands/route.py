"""`cert route`: run the route-scenarios flow ad hoc."""

from __future__ import annotations

import click

from .._common import cli_errors, run_flow, with_config_dir_option, with_env_option, with_results_dir_option


@click.command("route", help="Route a scenarios file to micro-overlays and write routing_decisions + scenario_rejects.")
@click.option("--scenarios", "scenarios_path", required=True, type=click.Path(dir_okay=False), help=".jsonl, .yaml or .parquet file.")
@with_results_dir_option
@with_config_dir_option
@click.option("--chunk-size", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Scenarios per routing task (one task per streamed group of input_limits.batch_rows rows by default).")
@with_env_option
@cli_errors
def route(scenarios_path: str, results_dir: str | None, config_dir: str | None, chunk_size: int, env: str | None) -> None:
    click.echo(f"routing {scenarios_path} (starts Prefect's local API if PREFECT_API_URL is unset)…", err=True)
    result = run_flow("flows.route_scenarios:route_scenarios", scenarios_path=scenarios_path,
                      results_dir=results_dir, env=env, config_dir=config_dir, chunk_size=chunk_size)
    click.echo(f"flow run {result.run_id} completed (config_version {result.config_version})")
    click.echo(f"  routed:   {result.routed:>6}  -> {result.decisions_path}")
    click.echo(f"  rejected: {result.rejected:>6}  -> {result.rejects_path}")
