"""Writer body for the tripwire fault tests (runs in forkserver children)."""

from __future__ import annotations


def tripwire_writer(state_file: str, limit: int, done, ready) -> None:
    from cert_core.config.energy_governance import BudgetTripwireConfig
    from cert_core.governance.tripwire import BudgetTripwire

    tripwire = BudgetTripwire(BudgetTripwireConfig(), state_file)
    ready.set()
    i = 0
    while limit < 0 or i < limit:
        tripwire.check_budget_breach(20.0 if i % 4 else 1.0, {"i": i})
        i += 1
        done.value = i  # acknowledged: this check returned, so it must be in the file
