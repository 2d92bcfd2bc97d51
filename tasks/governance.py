"""Prefect tasks around the budget governance of cert_core (no domain logic here).

Retries: only a ResourceError (the ledger or the state file was briefly unreachable) is retried,
and only where repeating is safe. Allocation and commit are idempotent per operation_id, so the
caller passes the operation_id (e.g. "<flow_run_id>:<scenario_id>"); a denial is a normal result,
never an exception, so it is never retried. A tripwire check counts breaches, so it is not retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from cert_core.errors import ResourceError
from cert_core.governance import (
    Allocation,
    BreachCheck,
    BudgetTripwire,
    Consumption,
    EnergyGovernanceController,
)


def _transient_only(task, task_run, state) -> bool:
    return isinstance(state.data, ResourceError)


@task(
    name="allocate-budget", tags=["governance"], cache_policy=NO_CACHE, retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_transient_only,
    timeout_seconds=120,
)
def allocate_budget_task(
    controller: EnergyGovernanceController,
    operation_id: str,
    operation_type: str,
    estimated_tokens: int,
    priority: str = "medium",
    category: str | None = None,
    context: Mapping[str, Any] | None = None,
    estimated_cost_usd: float = 0.0,
) -> Allocation:
    return controller.allocate_budget(
        operation_type, estimated_tokens, priority, category, context,
        operation_id=operation_id, estimated_cost_usd=estimated_cost_usd,
    )


@task(
    name="record-consumption", tags=["governance"], cache_policy=NO_CACHE, retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_transient_only,
    timeout_seconds=120,
)
def record_consumption_task(
    controller: EnergyGovernanceController,
    operation_id: str,
    actual_tokens: int,
    success: bool,
    cost_usd: float = 0.0,
    quality_metrics: Mapping[str, float] | None = None,
) -> Consumption:
    return controller.record_consumption(operation_id, actual_tokens, success, cost_usd, quality_metrics)


@task(name="release-budget", tags=["governance"], cache_policy=NO_CACHE, retries=3,
      retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_transient_only)
def release_budget_task(controller: EnergyGovernanceController, operation_id: str) -> None:
    controller.release(operation_id)


@task(name="tripwire-check", tags=["governance"], cache_policy=NO_CACHE, retries=0, timeout_seconds=60)
def tripwire_check_task(
    tripwire: BudgetTripwire, token_delta_pct: float, context: Mapping[str, Any] | None = None
) -> BreachCheck:
    return tripwire.check_budget_breach(token_delta_pct, context)
