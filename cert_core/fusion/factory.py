"""Assemble a FusionPipeline from the effective config and process settings."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..config import CertConfig, CertSettings
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
    """``wrap_complete(guarded_backend) -> CompleteFn`` lets the caller route calls through its retries."""
    choice = select_backend(backend, config.llm, settings, limiter=limiter)
    safety = ProductionSafetyManager.from_config(config.slo, config.circuit_breakers)
    call = fusion_settings(config, max_tokens=max_tokens, priority=priority)
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
