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
    from cert_core.governance import BudgetTripwire, EnergyGovernanceController, default_state_file, hold_ttl_s
    from cert_core.safety import HealthChecker, ProductionSafetyManager

    settings = get_settings()
    config = load_config(env=env)
    tripwire = BudgetTripwire(config.energy_governance.budget_tripwire, default_state_file(settings.state_dir))
    safety = ProductionSafetyManager.from_config(config.slo, config.circuit_breakers)
    energy = None
    ledger_file = settings.state_dir / "ledger.db"
    if settings.ledger_url or ledger_file.exists():  # do not create an empty ledger just to look at it
        energy = EnergyGovernanceController.from_config(config.energy_governance, settings.effective_ledger_url,
                                                        hold_ttl_s=hold_ttl_s(config))
    checker = HealthChecker(safety=safety, tripwire=tripwire, energy=energy)
    checker.register("llm_slots", lambda: slot_health(config.llm.rate_limits.in_flight_limit_name))
    try:
        yield checker, energy is not None
    finally:
        if energy is not None:
            energy.ledger.dispose()


def slot_health(in_flight_limit: str):
    """Concurrency slots held by this machine's runs (from the holder registry under PREFECT_HOME,
    no API server needed); slots held by a process that is gone make the system degraded."""
    import os
    import time
    from pathlib import Path

    from cert_core.governance.slot_holders import SlotHolderRegistry
    from cert_core.safety import ComponentHealth

    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    holds = SlotHolderRegistry(home / "cert-slot-holders").holds()
    now = time.time()
    dead = [h for h in holds if not h.alive() or h.expires_at <= now]
    details = {
        "occupied_slots": {name: sum(h.slots for h in holds if name in h.names)
                           for name in sorted({in_flight_limit, *(n for h in holds for n in h.names)})},
        "holders": [{"lease_id": h.lease_id, "pid": h.pid, "api": h.api, "slots": h.slots, "limits": list(h.names),
                     "age_s": round(h.age_s(now), 1), "alive": h.alive(), "expired": h.expires_at <= now}
                    for h in holds],
    }
    issues = ()
    if dead:
        issues = (f"{sum(h.slots for h in dead)} concurrency slot(s) held by {len(dead)} ended run(s) "
                  f"(oldest {max(h.age_s(now) for h in dead):.0f} s); the next run frees them, or run "
                  "`cert setup-limits --reset`",)
    return ComponentHealth("llm_slots", HealthStatus.DEGRADED if issues else HealthStatus.HEALTHY, issues, details)


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
            if name == "llm_slots":
                for limit, used in component.details.get("occupied_slots", {}).items():
                    ages = [h["age_s"] for h in component.details["holders"] if limit in h["limits"]]
                    click.echo(f"    {limit}: {used} slot(s) held here" + (f", oldest {max(ages):.0f} s" if ages else ""))
            if name == "budget_ledger" and "reservations" in component.details:
                res = component.details["reservations"]
                click.echo(f"    outstanding reservations: {res['count']} ({res['tokens']} tokens), "
                           f"oldest {res['oldest_age_s']:.0f} s, {res['expired']} expired")
        for issue in report.issues:
            click.echo(f"  - {issue}")
        if not has_ledger:
            click.echo("  (no budget ledger yet: nothing has been allocated under this state dir)")
    if report.status == HealthStatus.UNHEALTHY or (strict and report.status == HealthStatus.DEGRADED):
        if as_json:  # stdout stays one JSON object
            raise SystemExit(EXIT_RUN_FAILED)
        fail(f"system is {report.status}", EXIT_RUN_FAILED)
