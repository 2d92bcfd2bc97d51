"""`cert setup-limits`: create the Prefect global concurrency limits for LLM calls from config."""

from __future__ import annotations

import click

from .._common import handle_cert_errors, prepare_prefect_for_cli, silence_shutdown_noise, with_env_option


@click.command("setup-limits", help="Create or update the LLM rate and in-flight limits (Prefect global "
                                    "concurrency limits) from configs/fusion/llm.yaml, and print them.")
@click.option("--config-dir", type=click.Path(file_okay=False), default=None,
              help="Default: $CERT_CONFIG_DIR or configs/fusion.")
@with_env_option
@handle_cert_errors
def setup_limits(config_dir: str | None, env: str | None) -> None:
    prepare_prefect_for_cli()
    from cert_core.config import load_config
    from tasks.llm import ensure_concurrency_limits

    config = load_config(config_dir, env)
    try:
        specs = ensure_concurrency_limits(config.llm)
    finally:
        silence_shutdown_noise()
    rpm = config.llm.rate_limits
    click.echo(f"requests_per_minute={rpm.requests_per_minute:g} (headroom {rpm.headroom:g}), "
               f"max_in_flight={rpm.max_in_flight}")
    for spec in specs:
        kind = "rate limit" if spec.slot_decay_per_second > 0 else "in-flight limit"
        click.echo(f"{spec.action:9} {spec.name}: {kind}, limit={spec.limit}, "
                   f"slot_decay_per_second={spec.slot_decay_per_second:.4f}")
