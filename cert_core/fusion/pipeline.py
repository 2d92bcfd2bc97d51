"""The fusion pipeline for one scenario (the seed's FusionPipelineOrchestrator.process_scenario):

route → allocate budget → tripwire-adjusted overlay params → LLM call through the breaker
→ record consumption → breach check.

Every failure becomes a FusionOutcome with a status and a reason; nothing here raises for one
bad scenario.

Two token figures per call:
- the ledger reserves the most the call can use (prompt estimate + max_tokens), so caps hold;
- the tripwire's token delta compares what the call used with its baseline estimate (prompt
  estimate + expected_output_tokens), as the seed's "% over baseline". Calls that run past the
  breach threshold `consecutive_breach_limit` times in a row trigger the downgrade, whose
  FUSION_MODE=baseline_only drops the overlay from later prompts to save tokens.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from ..errors import BudgetExceeded, CertError, CircuitBreakerOpen
from ..governance import BudgetTripwire
from ..llm.governed import CallLLM, GovernedLLM, direct_call, estimate_tokens
from ..observability import get_logger
from ..observability.metrics import METRICS
from ..routing import RuntimeRouter, Scenario
from ..safety import CircuitBreaker, ProductionSafetyManager
from .outcome import FusionOutcome

log = get_logger(__name__)
BASELINE_MODES = {"baseline_only"}


@dataclass(frozen=True)
class FusionSettings:
    max_tokens: int = 512
    temperature: float = 0.2
    expected_output_tokens: int = 300
    priority: str = "medium"
    breaker: str = "fusion_primary"
    system_prompt: str = "You are an operations engineer. Answer with a concrete, step-by-step plan."


def token_delta_pct(actual: int, baseline: int) -> float:
    """Percentage by which ``actual`` exceeds ``baseline`` (negative when under)."""
    return (actual - baseline) / baseline * 100.0


def base_prompt(scenario: Scenario) -> str:
    parts = [f"Scenario {scenario.id} ({scenario.category}, complexity {scenario.complexity:.2f})."]
    parts += [text for text in (scenario.description, scenario.context) if text]
    parts.append(f"Task: {scenario.prompt or 'Propose how to handle this scenario.'}")
    return "\n".join(parts)


class FusionPipeline:
    def __init__(
        self,
        *,
        router: RuntimeRouter,
        llm: GovernedLLM,
        tripwire: BudgetTripwire,
        safety: ProductionSafetyManager,
        base_params: Mapping[str, str],
        settings: FusionSettings = FusionSettings(),
    ) -> None:
        self.router = router
        self.llm = llm
        self.tripwire = tripwire
        self.safety = safety
        self.backend = llm.backend
        self.base_params = dict(base_params)
        self.settings = settings
        self.breaker: CircuitBreaker = llm.breaker

    def process(self, scenario: Scenario, operation_id: str, call: CallLLM = direct_call) -> FusionOutcome:
        """Run one scenario; a CertError anywhere (ledger, routing, the call) becomes an error row.

        ``call`` makes the LLM call; the Prefect layer passes its retrying ``call-llm`` task."""
        started = time.perf_counter()
        try:
            return self._process(scenario, operation_id, started, call)
        except CertError as exc:
            log.warning("fusion failed for %s: %s", scenario.id, exc.message, extra={"error_type": exc.error_type})
            return self._finish(started, scenario_id=scenario.id, overlay=None, backend=self.backend.backend_name,
                                model=self.backend.model_id, status="error", error_type=exc.error_type,
                                error_message=exc.message)

    def _process(self, scenario: Scenario, operation_id: str, started: float, call: CallLLM) -> FusionOutcome:
        s = self.settings
        decision = self.router.route_scenario(scenario)
        overlay = decision.selected_overlay
        params = self.tripwire.get_overlay_params(self.safety.effective_overlay_params(self.base_params))
        baseline_prompt = base_prompt(scenario)
        use_overlay = params.get("FUSION_MODE") not in BASELINE_MODES
        prompt = self.router.apply_overlay(baseline_prompt, overlay) if use_overlay else baseline_prompt
        row = dict(scenario_id=scenario.id, overlay=overlay if use_overlay else None,
                   backend=self.backend.backend_name, model=self.backend.model_id,
                   downgrade_active=not use_overlay and self.tripwire.is_downgrade_active())

        try:
            completion = self.llm.complete(
                prompt, operation_id=operation_id, max_tokens=s.max_tokens, temperature=s.temperature,
                system=s.system_prompt, operation_type="overlay_fusion", priority=s.priority,
                category=scenario.category,
                context={"scenario_complexity": scenario.complexity, "overlay_type": overlay}, call=call,
            )
        except BudgetExceeded as exc:
            return self._finish(started, status="denied", error_type="BudgetExceeded", error_message=exc.message, **row)
        except CertError as exc:
            status = "circuit_open" if isinstance(exc, CircuitBreakerOpen) else "error"
            self.safety.record_fusion_metric("overlay_fusion", False, (time.perf_counter() - started) * 1000,
                                             error_type=exc.error_type, scenario_id=scenario.id)
            return self._finish(started, status=status, error_type=exc.error_type, error_message=exc.message, **row)

        baseline = estimate_tokens(s.system_prompt + prompt) + s.expected_output_tokens
        delta = token_delta_pct(completion.total_tokens, baseline)
        breach = self.tripwire.check_budget_breach(
            delta, {"scenario_id": scenario.id, "overlay_applied": overlay, "baseline_tokens": baseline,
                    "fusion_tokens": completion.total_tokens}
        )
        self.safety.record_fusion_metric("overlay_fusion", True, completion.latency_ms, overlay_name=overlay)
        return self._finish(
            started, status="ok", latency_ms=completion.latency_ms, input_tokens=completion.input_tokens, output_tokens=completion.output_tokens,
            cost_usd=completion.cost_usd, token_delta_pct=round(delta, 3), tripwire_breach=breach.is_breach,
            **{**row, "downgrade_active": breach.downgrade_active},
        )

    def _finish(self, started: float, **fields) -> FusionOutcome:
        latency_ms = fields.pop("latency_ms", None) or (time.perf_counter() - started) * 1000
        outcome = FusionOutcome(
            latency_ms=round(latency_ms, 3), circuit_state=self.breaker.state.value,
            run_at=datetime.now(timezone.utc), **fields,
        )
        METRICS.requests_total.labels("fusion", outcome.status).inc()
        METRICS.request_duration.labels("fusion", "process_scenario").observe(latency_ms / 1000)
        if outcome.error_type:
            METRICS.request_errors.labels("fusion", outcome.error_type).inc()
        if outcome.status == "ok":
            METRICS.llm_tokens.labels(outcome.backend, "input").inc(outcome.input_tokens or 0)
            METRICS.llm_tokens.labels(outcome.backend, "output").inc(outcome.output_tokens or 0)
            METRICS.llm_cost.labels(outcome.backend, outcome.model or "").inc(outcome.cost_usd or 0.0)
        return outcome
