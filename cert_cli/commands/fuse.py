"""`cert fuse`: run the fusion-pipeline flow ad hoc."""

from __future__ import annotations

import click

from .._common import (
    handle_cert_errors,
    prepare_prefect_for_cli,
    show_flow_progress,
    silence_shutdown_noise,
    with_env_option,
)


@click.command("fuse", help="Run scenarios through route → budget → LLM call → tripwire; writes fusion_runs.")
@click.option("--scenarios", "scenarios_path", required=True, type=click.Path(dir_okay=False), help=".jsonl, .yaml or .parquet file.")
@click.option("--backend", type=click.Choice(["auto", "anthropic", "local", "simulated"]), default="auto", show_default=True,
              help="auto: anthropic if ANTHROPIC_API_KEY is set, else a configured local model, else simulated.")
@click.option("--results-dir", default=None, type=click.Path(file_okay=False), help="Default: $CERT_RESULTS_DIR or data/results.")
@click.option("--config-dir", default=None, type=click.Path(file_okay=False))
@click.option("--max-tokens", default=None, type=click.IntRange(min=1), help="Override llm.fusion.max_tokens.")
@click.option("--priority", default=None, help="Budget priority (critical|high|medium|low); default llm.fusion.priority.")
@with_env_option
@handle_cert_errors
def fuse(scenarios_path, backend, results_dir, config_dir, max_tokens, priority, env) -> None:
    prepare_prefect_for_cli()
    click.echo(f"fusing {scenarios_path} (starts Prefect's local API if PREFECT_API_URL is unset)…", err=True)
    from flows.fusion_pipeline import fusion_pipeline

    show_flow_progress()
    try:
        r = fusion_pipeline(scenarios_path=scenarios_path, backend=backend, results_dir=results_dir, env=env,
                            config_dir=config_dir, max_tokens=max_tokens, priority=priority)
    finally:
        silence_shutdown_noise()
    label = "SIMULATED (no LLM was called)" if r.backend == "simulated" else r.backend
    click.echo(f"flow run {r.run_id} completed on the {label} backend: {r.backend_reason}")
    click.echo(f"  scenarios: {r.scenarios:>5}  " + ", ".join(f"{k}: {v}" for k, v in sorted(r.by_status.items())))
    click.echo(f"  rejected:  {r.rejected:>5}")
    click.echo(f"  fusion_runs -> {r.fusion_runs_path}")
