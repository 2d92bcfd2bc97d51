"""`cert health`: the system health from config and the persisted governance state.

Exit code: 0 when healthy or degraded (the system still serves, like /health answering 200),
1 when unhealthy, and also when degraded with --strict. Breakers and SLO windows live in the
processes that run flows, so this command reports their configuration (all closed, no samples);
the tripwire state file and the budget ledger under CERT_STATE_DIR are shared and read as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click

from cert_core.statuses import HealthStatus

from .._common import EXIT_RUN_FAILED, cli_errors, fail, with_env_option


@contextmanager
def open_health_checker(env: str | None) -> Iterator[tuple[object, bool]]:
    """The HealthChecker for this state dir, and whether a budget ledger exists; closes the ledger after."""
    from cert_core.config import get_settings, load_config
    from cert_core.governance import BudgetTripwire, EnergyGovernanceController, default_state_file
    from cert_core.safety import HealthChecker, ProductionSafetyManager

    settings = get_settings()
    config = load_config(env=env)
    tripwire = BudgetTripwire(config.energy_governance.budget_tripwire, default_state_file(settings.state_dir))
    safety = ProductionSafetyManager.from_config(config.slo, config.circuit_breakers)
    energy = None
    ledger_file = settings.state_dir / "ledger.db"
    if settings.ledger_url or ledger_file.exists():  # do not create an empty ledger just to look at it
        energy = EnergyGovernanceController.from_config(config.energy_governance, settings.effective_ledger_url)
    try:
        yield HealthChecker(safety=safety, tripwire=tripwire, energy=energy), energy is not None
    finally:
        if energy is not None:
            energy.ledger.dispose()


@click.command("health", help="Print the system health (tripwire, budget ledger, breakers, SLOs).")
@with_env_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--strict", is_flag=True, help="Exit 1 when degraded too, not only when unhealthy.")
@cli_errors
def health_command(env: str | None, as_json: bool, strict: bool) -> None:
    with open_health_checker(env) as (checker, has_ledger):
        report = checker.check()

    if as_json:
        click.echo(json.dumps(report.to_dict(), default=str, sort_keys=True))
    else:
        colour = {HealthStatus.HEALTHY: "green", HealthStatus.DEGRADED: "yellow", HealthStatus.UNHEALTHY: "red"}[
            report.status]
        click.secho(f"system health: {report.status}", fg=colour, bold=True)
        for name, component in report.components.items():
            click.echo(f"  {name}: {component.status}")
        for issue in report.issues:
            click.echo(f"  - {issue}")
        if not has_ledger:
            click.echo("  (no budget ledger yet: nothing has been allocated under this state dir)")
    if report.status == HealthStatus.UNHEALTHY or (strict and report.status == HealthStatus.DEGRADED):
        if as_json:  # stdout stays one JSON object
            raise SystemExit(EXIT_RUN_FAILED)
        fail(f"system is {report.status}", EXIT_RUN_FAILED)
