"""`cert trajectory [run] --chains PATH` and `cert trajectory calibrate --chains GOOD.jsonl`."""

from __future__ import annotations


import click

from .._common import (
    handle_cert_errors,
    prepare_prefect_for_cli,
    show_flow_progress,
    silence_shutdown_noise,
    with_env_option,
)


_RUN_OPTIONS = (
    click.option("--chains", "chains", type=click.Path(dir_okay=False), default=None,
                 help="Chain JSONL file (default: data/trajectories/chains.jsonl)."),
    click.option("--model", default=None, help="Model id or local directory (default: trajectory.model)."),
    click.option("--runner", type=click.Choice(["thread", "dask"]), default="thread",
                 help="Task runner: a thread pool, or Dask (LocalCluster or --dask-address)."),
    click.option("--dask-address", default=None, help="Scheduler address for --runner dask."),
    click.option("--batch-size", type=int, default=None, help="Sequences per forward pass."),
    click.option("--chunk-size", type=int, default=None, help="Chains per task."),
    click.option("--results-dir", type=click.Path(file_okay=False), default=None,
                 help="Parquet output root (default: $CERT_RESULTS_DIR or data/results)."),
)


def _run_options(func):
    for option in reversed(_RUN_OPTIONS):
        func = option(func)
    return with_env_option(func)


def _run(chains, model, runner, dask_address, batch_size, chunk_size, results_dir, env) -> None:
    prepare_prefect_for_cli()
    from flows.trajectory_batch import DEFAULT_CHAINS, trajectory_batch

    show_flow_progress()
    try:
        summary = trajectory_batch(
            chains_path=chains or str(DEFAULT_CHAINS), model=model, batch_size=batch_size, task_runner=runner,
            dask_address=dask_address, results_dir=results_dir, env=env, chunk_size=chunk_size,
        )
    finally:
        silence_shutdown_noise()
    click.echo(summary.to_markdown())


@click.group("trajectory", invoke_without_command=True,
             help="Score reasoning chains with a causal LM (per-step perplexity, entropy, surprise).")
@_run_options
@click.pass_context
@handle_cert_errors
def trajectory_group(ctx: click.Context, **options) -> None:
    if ctx.invoked_subcommand is None:
        _run(**options)


@trajectory_group.command("run", help="Run the trajectory-batch flow ad hoc (the same as `cert trajectory`).")
@_run_options
@handle_cert_errors
def run(**options) -> None:
    _run(**options)


@trajectory_group.command("calibrate", help="Store percentile thresholds for a model from known-good chains.")
@click.option("--chains", "chains", type=click.Path(dir_okay=False), required=True,
              help="JSONL of good chains (chains with a bad_step label are skipped).")
@click.option("--model", default=None, help="Model id or local directory (default: trajectory.model).")
@click.option("--config-dir", type=click.Path(file_okay=False), default=None,
              help="Where trajectory.yaml lives (default: $CERT_CONFIG_DIR or configs/fusion).")
@with_env_option
@handle_cert_errors
def calibrate_cmd(chains: str, model: str | None, config_dir: str | None, env: str | None) -> None:
    from cert_core.config import load_config
    from cert_core.trajectory import TrajectoryAnalyzer, TrajectorySettings, read_chains, store_thresholds

    config = load_config(config_dir, env)
    settings = TrajectorySettings.from_config(config, model=model, batch_timeout_s=None, cache_size=0)
    chain_file = read_chains(chains, settings.max_chain_length)
    good = [c for c in chain_file.chains if c.bad_step is None]
    skipped = len(chain_file.chains) - len(good)
    thresholds = TrajectoryAnalyzer(settings).calibrate(good, config.trajectory.anomaly_statistic, chains)
    path = store_thresholds(config.config_dir / "trajectory.yaml", settings.model, thresholds)
    load_config(config_dir, env)  # the file we wrote must still load
    p = thresholds.percentiles
    click.echo(f"calibrated {settings.model} on {thresholds.n_chains} chains / {thresholds.n_steps} steps "
               f"({thresholds.statistic}: mean {thresholds.mean:.3f}, std {thresholds.std:.3f}, "
               f"p95 {p['p95']:.3f}, p99 {p['p99']:.3f})")
    if skipped or chain_file.rejects:
        click.echo(f"skipped {skipped} chains labelled with bad_step and {len(chain_file.rejects)} invalid lines")
    click.echo(f"wrote thresholds[{settings.model!r}] to {path}")
