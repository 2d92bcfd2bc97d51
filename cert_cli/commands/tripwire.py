"""`cert tripwire`: look at and reset the budget tripwire's shared state (an operator's commands)."""

from __future__ import annotations

import click

from .._common import cli_errors, with_env_option


def _tripwire(env: str | None):
    from cert_core.config import get_settings, load_config
    from cert_core.governance import BudgetTripwire, default_state_file

    config = load_config(env=env)
    return BudgetTripwire(config.energy_governance.budget_tripwire, default_state_file(get_settings().state_dir))


@click.group("tripwire", help="The budget tripwire's shared state (under CERT_STATE_DIR).")
def tripwire_group() -> None:
    pass


@tripwire_group.command("status", help="Print whether the downgrade is active, and why.")
@with_env_option
@cli_errors
def status_command(env: str | None) -> None:
    status = _tripwire(env).get_status()
    click.echo(f"downgrade active: {str(status.downgrade_active).lower()}"
               + (f" ({status.downgrade_reason})" if status.downgrade_reason else ""))
    click.echo(f"consecutive breaches: {status.consecutive_breaches}/{status.consecutive_limit}, "
               f"checks: {status.total_checks}, state file: {status.state_file}")
    if status.state_problem:
        click.echo(f"problem: {status.state_problem}")


@tripwire_group.command("reset", help="Lift the downgrade by hand. A corrupt state file (the tripwire fails closed "
                                      "on one) is moved aside and replaced by a fresh state.")
@with_env_option
@cli_errors
def reset_command(env: str | None) -> None:
    result = _tripwire(env).reset_downgrade()
    click.echo(f"tripwire reset: {result.message}")
