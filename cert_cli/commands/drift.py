"""`cert drift`: run the drift-scan flow ad hoc."""

from __future__ import annotations

import click

from .._common import cli_errors, run_flow, with_config_dir_option, with_env_option, with_results_dir_option


@click.command("drift", help="Scan watched files, config parameters and quality history for drift; "
                             "writes drift_events. The first scan makes the baseline.")
@click.option("--deep", is_flag=True, help="Re-hash every watched file (catches same-size, same-mtime edits).")
@with_results_dir_option
@with_config_dir_option
@with_env_option
@cli_errors
def drift(deep: bool, results_dir: str | None, config_dir: str | None, env: str | None) -> None:
    kind = "deep" if deep else "incremental"
    click.echo(f"{kind} drift scan (starts Prefect's local API if PREFECT_API_URL is unset)…", err=True)
    r = run_flow("flows.drift_scan:drift_scan", deep=deep, results_dir=results_dir, env=env, config_dir=config_dir)
    click.echo(f"flow run {r.run_id} completed (config_version {r.config_version})")
    click.echo(f"  severity: {r.severity or 'none'}  {r.message}")
    click.echo(f"  findings: {r.findings:>4}  -> {r.drift_events_path}")
    if r.quality_drifted:
        click.echo(f"  quality drift: {', '.join(r.quality_drifted)}")
    if r.actions or r.manual_actions:
        click.echo(f"  actions run: {', '.join(r.actions) or 'none'}; manual (not run): "
                   f"{', '.join(r.manual_actions) or 'none'}")
