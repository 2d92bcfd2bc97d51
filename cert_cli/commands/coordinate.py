"""`cert coordinate`: run the coordinated-run flow ad hoc and print gamma and gain over vote per strategy."""

from __future__ import annotations

import click

from cert_core.errors import InvalidInputError
from cert_core.llm.registry import AUTO, BACKEND_CHOICES

from .._common import cli_errors, run_flow, with_config_dir_option, with_env_option, with_results_dir_option


def _check_arguments(config_dir: str | None, env: str | None, agents: int, rounds: int, strategy: str) -> None:
    """Arguments the config bounds (agents, rounds) or the registry names (strategies) are checked before
    any flow starts: a bad one is bad usage (exit 2), a bad config a ConfigError (exit 2)."""
    from cert_core.config import load_config
    from cert_core.coordination import validate_run

    config = load_config(config_dir, env)
    try:
        validate_run(config.coordination, agents, rounds, strategy)
    except InvalidInputError as exc:
        raise click.UsageError(exc.message) from exc


def _ci(interval, sign: str = "") -> str:
    return f" [{interval.low:{sign}.3f}, {interval.high:{sign}.3f}]" if interval is not None else ""


def _num(value: float | None, fmt: str = "{:.3f}") -> str:
    return "n/a" if value is None else fmt.format(value)


@click.command("coordinate", help="Measure coordination: a baseline of independent agents (cached), the chosen "
                                  "strategies and the majority-vote control, judged; writes coordination_runs and "
                                  "agent_responses.")
@click.option("--tasks", "tasks_path", required=True, type=click.Path(dir_okay=False),
              help="JSONL: one {id, task, reference?, kind?} object a line.")
@click.option("--agents", default=3, show_default=True, type=int, help="Agents per task (1..coordination.max_agents).")
@click.option("--strategy", default="debate", show_default=True,
              help="sequential, parallel, debate, several (comma-separated) or all; vote alone runs the baseline.")
@click.option("--rounds", default=2, show_default=True, type=int, help="Debate rounds (1..coordination.max_rounds).")
@click.option("--backend", type=click.Choice(BACKEND_CHOICES), default=AUTO, show_default=True,
              help="auto: anthropic with ANTHROPIC_API_KEY, else the local model, else simulated.")
@click.option("--judge", type=click.Choice(["auto", "llm", "reference"]), default="auto", show_default=True,
              help="auto: the reference judge on local/simulated backends, the LLM judge on anthropic.")
@click.option("--force-refresh", is_flag=True, help="Measure again instead of using cached baselines and results.")
@with_results_dir_option
@with_config_dir_option
@with_env_option
@cli_errors
def coordinate(tasks_path, agents, strategy, rounds, backend, judge, force_refresh, results_dir, config_dir,
               env) -> None:
    _check_arguments(config_dir, env, agents, rounds, strategy)
    click.echo(f"coordinating {tasks_path} (starts Prefect's local API if PREFECT_API_URL is unset)…", err=True)
    r = run_flow("flows.coordination:coordinated_run", tasks_path=tasks_path, num_agents=agents, strategy=strategy,
                 rounds=rounds, backend=backend, judge=judge, force_refresh=force_refresh, results_dir=results_dir,
                 env=env, config_dir=config_dir)
    label = "SIMULATED (no LLM was called)" if r.backend == "simulated" else r.backend
    click.echo(f"flow run {r.run_id} completed on the {label} backend ({r.model}): {r.backend_reason}")
    click.echo(f"  judge: {r.judge}; tasks: {r.tasks} (+{r.rejected} rejected lines); rows: "
               + ", ".join(f"{k} {v}" for k, v in sorted(r.by_status.items())))
    click.echo(f"  this run: {r.llm_calls} LLM calls, ${r.cost_usd:.4f}")
    for s in r.summaries:
        click.echo(f"  {s.strategy:<10} gamma {_num(s.mean_gamma)}{_ci(s.gamma_ci)} (n={s.gamma_n})  "
                   f"gain over vote {_num(s.mean_gain_over_vote, '{:+.3f}')}{_ci(s.gain_ci, '+')}  "
                   f"calls {s.llm_calls}  ok {s.ok}/{s.tasks}")
    click.echo(f"  coordination_runs -> {r.coordination_runs_path}")
    click.echo(f"  agent_responses   -> {r.agent_responses_path}")
