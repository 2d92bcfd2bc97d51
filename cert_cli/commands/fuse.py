"""`cert fuse`: run the fusion-pipeline flow ad hoc."""

from __future__ import annotations

import click

from cert_core.llm.registry import AUTO, BACKEND_CHOICES
from flows._runners import RUNNERS

from .._common import cli_errors, run_flow, with_config_dir_option, with_env_option, with_results_dir_option


@click.command("fuse", help="Run scenarios through route → budget → LLM call → tripwire; writes fusion_runs.")
@click.option("--scenarios", "scenarios_path", required=True, type=click.Path(dir_okay=False), help=".jsonl, .yaml or .parquet file.")
@click.option("--backend", type=click.Choice(BACKEND_CHOICES), default=AUTO, show_default=True,
              help="auto: anthropic if ANTHROPIC_API_KEY is set, else a configured local model, else simulated.")
@with_results_dir_option
@with_config_dir_option
@click.option("--max-tokens", default=None, type=click.IntRange(min=1), help="Override llm.fusion.max_tokens.")
@click.option("--priority", default=None, help="Budget priority (critical|high|medium|low); default llm.fusion.priority.")
@click.option("--runner", type=click.Choice(RUNNERS), default="thread", show_default=True,
              help="Task runner for the chunks: a thread pool, or Dask (a process LocalCluster or --dask-address).")
@click.option("--dask-address", default=None, help="Scheduler address for --runner dask.")
@with_env_option
@cli_errors
def fuse(scenarios_path, backend, results_dir, config_dir, max_tokens, priority, runner, dask_address, env) -> None:
    click.echo(f"fusing {scenarios_path} (starts Prefect's local API if PREFECT_API_URL is unset)…", err=True)
    r = run_flow("flows.fusion_pipeline:fusion_pipeline", scenarios_path=scenarios_path, backend=backend,
                 results_dir=results_dir, env=env, config_dir=config_dir, max_tokens=max_tokens, priority=priority,
                 task_runner=runner, dask_address=dask_address)
    label = "SIMULATED (no LLM was called)" if r.backend == "simulated" else r.backend
    click.echo(f"flow run {r.run_id} completed on the {label} backend: {r.backend_reason}")
    click.echo(f"  scenarios: {r.scenarios:>5}  " + ", ".join(f"{k}: {v}" for k, v in sorted(r.by_status.items())))
    click.echo(f"  rejected:  {r.rejected:>5}")
    click.echo(f"  fusion_runs -> {r.fusion_runs_path}")
