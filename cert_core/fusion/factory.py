"""Assemble a FusionPipeline from the effective config and process settings."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import CertConfig, CertSettings
from ..errors import InvalidInputError
from ..governance import BudgetTripwire, EnergyGovernanceController, hold_ttl_s
from ..governance.tripwire import default_state_file
from ..llm import BackendChoice, RequestLimiter, select_backend
from ..llm.governed import GovernedLLM
from ..routing.router import cached_router
from ..safety import ProductionSafetyManager
from .pipeline import FusionPipeline

__all__ = ["FusionRuntime", "build_runtime"]


@dataclass
class FusionRuntime:
    """Everything one process's fusion chunks share: breakers, SLO windows, ledger connections, tripwire, backend."""

    pipeline: FusionPipeline
    choice: BackendChoice

    def close(self) -> None:
        self.pipeline.llm.close()


def build_runtime(
    config: CertConfig,
    settings: CertSettings,
    backend: str | None,
    *,
    limiter: RequestLimiter | None = None,
    max_tokens: int | None = None,
    priority: str | None = None,
) -> FusionRuntime:
    """Run-wide settings are checked here, so a bad one fails the run once instead of every scenario."""
    call = config.llm.fusion.with_overrides(max_tokens=max_tokens, priority=priority)
    weights = config.energy_governance.allocation_strategies.priority_weights
    if call.priority not in weights:
        raise InvalidInputError(f"unknown priority {call.priority!r}; use one of {', '.join(weights)}")
    safety = ProductionSafetyManager.from_config(config.slo, config.circuit_breakers)
    breaker = safety.breakers.get(call.breaker)  # an unknown breaker name fails here, naming the configured ones
    choice = select_backend(backend, config.llm, settings, limiter=limiter)
    llm = GovernedLLM(
        choice.backend,
        EnergyGovernanceController.from_config(config.energy_governance, settings.effective_ledger_url,
                                              hold_ttl_s=hold_ttl_s(config)),
        breaker,
    )
    tripwire = BudgetTripwire(config.energy_governance.budget_tripwire, default_state_file(settings.state_dir))
    tripwire.state_problem()  # a corrupt state file is reported (typed, logged) before any call; then fails closed
    pipeline = FusionPipeline(
        router=cached_router(config),
        llm=llm,
        tripwire=tripwire,
        safety=safety,
        base_params=config.overlay_params.as_dict(),
        call=call,
    )
    return FusionRuntime(pipeline, choice)
