"""`cert setup-limits`: create the Prefect global concurrency limits for LLM calls from config."""

from __future__ import annotations

import click

from .._common import cli_errors, prefect_for_cli, with_config_dir_option, with_env_option


@click.command("setup-limits", help="Create or update the LLM rate and in-flight limits (Prefect global "
                                    "concurrency limits) from configs/fusion/llm.yaml, and print them. Slots held "
                                    "by runs that ended without releasing them are freed.")
@with_config_dir_option
@with_env_option
@click.option("--reset", is_flag=True,
              help="Also free every occupied slot on purpose (active slots to 0, recorded leases released). "
                   "Runs still going keep running but stop counting against the limit.")
@cli_errors
def setup_limits(config_dir: str | None, env: str | None, reset: bool) -> None:
    from cert_core.config import load_config

    config = load_config(config_dir, env)
    with prefect_for_cli():
        from tasks.llm import ensure_concurrency_limits, reset_concurrency_limits

        specs = ensure_concurrency_limits(config.llm)
        freed = reset_concurrency_limits(config.llm) if reset else {}
    rpm = config.llm.rate_limits
    click.echo(f"requests_per_minute={rpm.requests_per_minute:g} (headroom {rpm.headroom:g}), "
               f"max_in_flight={rpm.max_in_flight}")
    for spec in specs:
        kind = "rate limit" if spec.slot_decay_per_second > 0 else "in-flight limit"
        click.echo(f"{spec.action:9} {spec.name}: {kind}, limit={spec.limit}, "
                   f"slot_decay_per_second={spec.slot_decay_per_second:.4f}")
    for name, active in freed.items():
        click.echo(f"reset     {name}: {active} occupied slot(s) freed")
