"""`cert trajectory [run] --chains PATH` and `cert trajectory calibrate --chains GOOD.jsonl`."""

from __future__ import annotations

import click

from flows._runners import RUNNERS

from .._common import cli_errors, run_flow, with_config_dir_option, with_env_option, with_results_dir_option

MIN_CALIBRATION_CHAINS = 30  # below this, warn: the percentile limits rest on too few steps

_RUN_OPTIONS = (
    click.option("--chains", "chains", type=click.Path(dir_okay=False), default=None,
                 help="Chain JSONL file (default: data/trajectories/chains.jsonl)."),
    click.option("--model", default=None, help="Model id or local directory (default: trajectory.model)."),
    click.option("--runner", type=click.Choice(RUNNERS), default="thread",
                 help="Task runner: a thread pool, or Dask (LocalCluster or --dask-address)."),
    click.option("--dask-address", default=None, help="Scheduler address for --runner dask."),
    click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Sequences per forward pass."),
    click.option("--chunk-size", type=click.IntRange(min=1), default=None, help="Chains per task."),
    with_results_dir_option,
    with_config_dir_option,
    with_env_option,
)


def _run_options(func):
    for option in reversed(_RUN_OPTIONS):
        func = option(func)
    return func


def _run(chains, model, runner, dask_address, batch_size, chunk_size, results_dir, config_dir, env) -> None:
    parameters = dict(model=model, batch_size=batch_size, task_runner=runner, dask_address=dask_address,
                      results_dir=results_dir, env=env, chunk_size=chunk_size, config_dir=config_dir)
    if chains:
        parameters["chains_path"] = chains
    summary = run_flow("flows.trajectory_batch:trajectory_batch", **parameters)
    click.echo(summary.to_markdown())


@click.group("trajectory", invoke_without_command=True,
             help="Score reasoning chains with a causal LM (per-step perplexity, entropy, surprise).")
@_run_options
@click.pass_context
@cli_errors
def trajectory_group(ctx: click.Context, **options) -> None:
    if ctx.invoked_subcommand is None:
        _run(**options)


@trajectory_group.command("run", help="Run the trajectory-batch flow ad hoc (the same as `cert trajectory`).")
@_run_options
@cli_errors
def run(**options) -> None:
    _run(**options)


@trajectory_group.command("calibrate", help="Calibrate the quality check for a model on your own known-good chains "
                                            "(every step signal's percentiles, with the model, file and date).")
@click.option("--chains", "chains", type=click.Path(dir_okay=False), required=True,
              help="JSONL of good chains (chains with a bad_step label are skipped).")
@click.option("--model", default=None, help="Model id or local directory (default: trajectory.model).")
@with_config_dir_option
@with_env_option
@cli_errors
def calibrate_cmd(chains: str, model: str | None, config_dir: str | None, env: str | None) -> None:
    from cert_core.config import load_config
    from cert_core.trajectory import TrajectoryAnalyzer, read_chains, store_thresholds

    config = load_config(config_dir, env)
    scoring = config.trajectory.with_overrides(model=model)
    chain_file = read_chains(chains, scoring.max_chain_length, config.input_limits.max_chain_bytes)
    good = [c for c in chain_file.chains if c.bad_step is None]
    skipped = len(chain_file.chains) - len(good)
    if len(good) < MIN_CALIBRATION_CHAINS:
        click.echo(f"warning: only {len(good)} good chains; with fewer than {MIN_CALIBRATION_CHAINS} the "
                   "p99 limits rest on a handful of steps and good chains will fail more often", err=True)
    thresholds = TrajectoryAnalyzer(scoring).calibrate(good, chains)
    path = store_thresholds(config.config_dir / "trajectory.yaml", scoring.model, thresholds)
    load_config(config_dir, env)  # the file we wrote must still load
    limit = scoring.anomaly_percentile
    click.echo(f"calibrated {thresholds.describe()}: {thresholds.n_steps} steps")
    for name, stats in sorted(thresholds.signals.items()):
        p = stats.percentiles
        click.echo(f"  {name:20s} p50 {p['p50']:8.3f}  p95 {p['p95']:8.3f}  {limit} {p[limit]:8.3f}")
    if skipped or chain_file.rejects:
        click.echo(f"skipped {skipped} chains labelled with bad_step and {len(chain_file.rejects)} invalid lines")
    click.echo(f"wrote thresholds[{scoring.model!r}] to {path}")
