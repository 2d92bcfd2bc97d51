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
from .guarded_backend import GuardedBackend
from .pipeline import CompleteFn, FusionPipeline, FusionSettings


@dataclass
class FusionRuntime:
    """Everything one flow run's chunks share: breakers, ledger connections, tripwire, backend."""

    pipeline: FusionPipeline
    choice: BackendChoice
    guarded: GuardedBackend

    def close(self) -> None:
        self.pipeline.controller.close()
        close = getattr(self.choice.backend, "close", None)
        if callable(close):
            close()


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
    wrap_complete=None,
    max_tokens: int | None = None,
    priority: str | None = None,
) -> FusionRuntime:
    """``wrap_complete(guarded_backend) -> CompleteFn`` lets the caller route calls through its retries.

    Run-wide settings are checked here, so a bad one fails the run once instead of every scenario.
    """
    call = fusion_settings(config, max_tokens=max_tokens, priority=priority)
    weights = config.energy_governance.allocation_strategies.priority_weights
    if call.priority not in weights:
        raise InvalidInputError(f"unknown priority {call.priority!r}; use one of {', '.join(weights)}")
    safety = ProductionSafetyManager.from_config(config.slo, config.circuit_breakers)
    safety.breakers.get(call.breaker)  # an unknown breaker name fails here, naming the configured ones
    choice = select_backend(backend, config.llm, settings, limiter=limiter)
    guarded = GuardedBackend(choice.backend, safety.breakers.get(call.breaker))
    complete: CompleteFn = wrap_complete(guarded) if wrap_complete else guarded.complete
    pipeline = FusionPipeline(
        router=cached_router(config),
        controller=EnergyGovernanceController.from_config(config.energy_governance, settings.effective_ledger_url),
        tripwire=BudgetTripwire.from_config(config.energy_governance.budget_tripwire, default_state_file(settings.state_dir)),
        safety=safety,
        backend=choice.backend,
        base_params=config.overlay_params.as_dict(),
        settings=call,
        complete=complete,
    )
    return FusionRuntime(pipeline, choice, guarded)
