"""`cert route`: run the route-scenarios flow ad hoc."""

from __future__ import annotations

import click

from .._common import (
    handle_cert_errors,
    prepare_prefect_for_cli,
    show_flow_progress,
    silence_shutdown_noise,
    with_env_option,
)


@click.command("route", help="Route a scenarios file to micro-overlays and write routing_decisions + scenario_rejects.")
@click.option("--scenarios", "scenarios_path", required=True, type=click.Path(dir_okay=False), help=".jsonl, .yaml or .parquet file.")
@click.option("--results-dir", default=None, type=click.Path(file_okay=False), help="Default: $CERT_RESULTS_DIR or data/results.")
@click.option("--config-dir", default=None, type=click.Path(file_okay=False))
@click.option("--chunk-size", default=2500, show_default=True, type=click.IntRange(min=1))
@with_env_option
@handle_cert_errors
def route(scenarios_path: str, results_dir: str | None, config_dir: str | None, chunk_size: int, env: str | None) -> None:
    prepare_prefect_for_cli()
    click.echo(f"routing {scenarios_path} (starts Prefect's local API if PREFECT_API_URL is unset)…", err=True)
    from flows.route_scenarios import route_scenarios

    show_flow_progress()

    try:
        result = route_scenarios(
            scenarios_path=scenarios_path, results_dir=results_dir, env=env, config_dir=config_dir, chunk_size=chunk_size
        )
    finally:
        silence_shutdown_noise()
    click.echo(f"flow run {result.run_id} completed (config_version {result.config_version})")
    click.echo(f"  routed:   {result.routed:>6}  -> {result.decisions_path}")
    click.echo(f"  rejected: {result.rejected:>6}  -> {result.rejects_path}")
