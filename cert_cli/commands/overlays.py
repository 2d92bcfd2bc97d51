"""`cert overlays`: the per-overlay comparison of fusion runs, from the fusion_runs dataset."""

from __future__ import annotations

import json

import click

from .._common import cli_errors, with_config_dir_option, with_env_option, with_results_dir_option


@click.command("overlays", help="Compare overlays over the fusion_runs dataset: score (token efficiency of a "
                                "call, 0 for a failed one), latency and runs, best first.")
@with_results_dir_option
@click.option("--run", "run_id", default=None, help="Only this flow run id (default: every run in the dataset).")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as one JSON array.")
@with_config_dir_option
@with_env_option
@cli_errors
def overlays(results_dir: str | None, run_id: str | None, as_json: bool, config_dir: str | None,
             env: str | None) -> None:
    from cert_core.config import get_settings, load_config
    from cert_core.errors import ResourceLoadError
    from cert_core.fusion import overlay_comparison
    from cert_core.io import dataset_path, read_dataset

    config = load_config(config_dir, env)
    root = results_dir or get_settings().results_dir
    rows = read_dataset("fusion_runs", root).to_pylist()
    if run_id is not None:
        rows = [r for r in rows if r["flow_run_id"] == run_id]
    if not rows:
        where = f"for run {run_id} " if run_id else ""
        raise ResourceLoadError(f"no fusion_runs rows {where}under {dataset_path('fusion_runs', root)}; "
                                "run `cert fuse --scenarios FILE` first, or pass --results-dir")
    table = overlay_comparison(rows, config.scenario_profiles.performance_tracking)
    if as_json:
        click.echo(json.dumps(table))
        return
    threshold = config.scenario_profiles.performance_tracking.performance_threshold
    click.echo(f"{len(rows)} fusion_runs rows; score below {threshold:g} is flagged")
    click.echo(f"{'overlay':<24} {'runs':>6} {'avg score':>10} {'min':>6} {'max':>6} {'avg latency ms':>15}")
    for r in table:
        flag = "  below threshold" if r["below_threshold"] else ""
        click.echo(f"{r['overlay']:<24} {r['runs']:>6} {r['avg_score']:>10.3f} {r['min_score']:>6.2f} "
                   f"{r['max_score']:>6.2f} {r['avg_latency_ms']:>15.1f}{flag}")
