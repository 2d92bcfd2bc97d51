"""The governance tasks retry only transient ledger errors, never bad input or denials."""

from __future__ import annotations

from prefect import flow

from cert_core.errors import InvalidInputError, ResourceError
from cert_core.governance import Allocation, BudgetTripwire
from tasks.governance import allocate_budget_task, record_consumption_task, tripwire_check_task


class FlakyController:
    """Fails with the given errors first, then approves; records every call."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[str] = []

    def allocate_budget(self, operation_type, estimated_tokens, priority, category, context, *, operation_id,
                        estimated_cost_usd):
        self.calls.append(operation_id)
        if self.errors:
            raise self.errors.pop(0)
        return Allocation(True, operation_id, estimated_tokens, 1.0, "approved", 100, priority, category, estimated_tokens)

    def record_consumption(self, operation_id, actual_tokens, success, cost_usd, quality_metrics):
        self.calls.append(operation_id)
        raise self.errors.pop(0)


def test_transient_ledger_errors_are_retried_with_the_same_operation_id():
    controller = FlakyController(ResourceError("ledger locked"), ResourceError("ledger locked"))

    @flow
    def run():
        return allocate_budget_task.with_options(retry_delay_seconds=0)(controller, "run1:s1", "fusion", 100)

    assert run().approved
    assert controller.calls == ["run1:s1"] * 3


def test_bad_input_is_not_retried():
    controller = FlakyController(InvalidInputError("unknown priority"), InvalidInputError("x"))

    @flow
    def run():
        state = record_consumption_task.with_options(retry_delay_seconds=0)(
            controller, "run1:s1", 10, True, return_state=True
        )
        return state.is_failed()

    assert run() is True
    assert controller.calls == ["run1:s1"]


def test_tripwire_check_task(tmp_path):
    tripwire = BudgetTripwire(tmp_path / "tw.json", consecutive_limit=1)

    @flow
    def run():
        return tripwire_check_task(tripwire, 30.0, {"scenario_id": "s1"})

    assert run().downgrade_triggered
    assert tripwire_check_task.retries == 0
