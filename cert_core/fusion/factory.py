"""Assemble a FusionPipeline from the effective config and process settings."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..config import CertConfig, CertSettings
from ..errors import InvalidInputError
from ..governance import BudgetTripwire, EnergyGovernanceController
from ..governance.tripwire import default_state_file
from ..llm import BackendChoice, RequestLimiter, select_backend
from ..routing.router import cached_router
from ..safety import ProductionSafetyManager
from ..llm.governed import GovernedLLM
from .pipeline import FusionPipeline, FusionSettings


@dataclass
class FusionRuntime:
    """Everything one flow run's chunks share: breakers, ledger connections, tripwire, backend."""

    pipeline: FusionPipeline
    choice: BackendChoice

    def close(self) -> None:
        self.pipeline.llm.close()


def fusion_settings(config: CertConfig, *, max_tokens: int | None = None, priority: str | None = None) -> FusionSettings:
    call = config.llm.fusion
    settings = FusionSettings(call.max_tokens, call.temperature, call.expected_output_tokens, call.priority,
                              call.breaker, call.system_prompt)
    overrides = {k: v for k, v in {"max_tokens": max_tokens, "priority": priority}.items() if v is not None}
    return replace(settings, **overrides)


def build_runtime(
    config: CertConfig,
    settings: CertSettings,
    backend: str | None,
    *,
    limiter: RequestLimiter | None = None,
    max_tokens: int | None = None,
    priority: str | None = None,
) -> FusionRuntime:
    """Run-wide settings are checked here, so a bad one fails the run once instead of every scenario.
    """
    call = fusion_settings(config, max_tokens=max_tokens, priority=priority)
    weights = config.energy_governance.allocation_strategies.priority_weights
    if call.priority not in weights:
        raise InvalidInputError(f"unknown priority {call.priority!r}; use one of {', '.join(weights)}")
    safety = ProductionSafetyManager.from_config(config.slo, config.circuit_breakers)
    safety.breakers.get(call.breaker)  # an unknown breaker name fails here, naming the configured ones
    choice = select_backend(backend, config.llm, settings, limiter=limiter)
    llm = GovernedLLM(
        choice.backend,
        EnergyGovernanceController.from_config(config.energy_governance, settings.effective_ledger_url),
        safety.breakers.get(call.breaker),
    )
    pipeline = FusionPipeline(
        router=cached_router(config),
        llm=llm,
        tripwire=BudgetTripwire.from_config(config.energy_governance.budget_tripwire, default_state_file(settings.state_dir)),
        safety=safety,
        base_params=config.overlay_params.as_dict(),
        settings=call,
    )
    return FusionRuntime(pipeline, choice)
