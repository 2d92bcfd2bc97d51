"""The fusion pipeline for one scenario (the seed's FusionPipelineOrchestrator.process_scenario):

route → overlay params (SLO degradation, then the tripwire) → governed LLM call (budget hold,
breaker, settlement) → breach check → SLO outcome.

Every failure becomes a FusionOutcome with a status and a reason; nothing here raises for one
bad scenario.

Two token figures per call:
- the ledger holds the most the call can use (prompt estimate + max_tokens), so caps hold;
- the tripwire's token delta compares what the call used with its baseline estimate (prompt
  estimate + expected_output_tokens), as the seed's "% over baseline". Calls that run past the
  breach threshold `consecutive_breach_limit` times in a row trigger the downgrade, whose
  FUSION_MODE=baseline_only drops the overlay from later prompts to save tokens.

LLM calls, tokens and cost are counted in Prometheus by the backend (llm/base.py), once per
call; this module counts requests per fusion status.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timezone

from ..config.llm import FusionCall
from ..errors import BudgetExceeded, CertError, CircuitBreakerOpen
from ..governance import BudgetTripwire
from ..llm.governed import CallLLM, GovernedLLM, direct_call, estimate_tokens
from ..observability import get_logger
from ..observability.metrics import METRICS
from ..routing import RuntimeRouter, Scenario
from ..safety import CircuitBreaker, ProductionSafetyManager
from ..statuses import FusionStatus
from .outcome import FusionOutcome

__all__ = ["BASELINE_MODES", "FusionPipeline", "base_prompt", "token_delta_pct"]

log = get_logger(__name__)
BASELINE_MODES = frozenset({"baseline_only"})
OPERATION = "overlay_fusion"


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
        call: FusionCall,
    ) -> None:
        self.router = router
        self.llm = llm
        self.tripwire = tripwire
        self.safety = safety
        self.base_params = dict(base_params)
        self.call = call
        self.breaker: CircuitBreaker = llm.breaker

    def process(self, scenario: Scenario, operation_id: str, call: CallLLM = direct_call) -> FusionOutcome:
        """Run one scenario; a CertError anywhere (ledger, routing, the call) becomes an error row.

        ``call`` makes the LLM call; the Prefect layer passes its retrying ``call-llm`` task."""
        started = time.perf_counter()
        try:
            return self._process(scenario, operation_id, started, call)
        except CertError as exc:
            log.warning("fusion failed for %s: %s", scenario.id, exc.message, extra={"error_type": exc.error_type})
            return self._finish(started, scenario_id=scenario.id, overlay=None, status=FusionStatus.ERROR,
                                error_type=exc.error_type, error_message=exc.message)

    def _process(self, scenario: Scenario, operation_id: str, started: float, call: CallLLM) -> FusionOutcome:
        c = self.call
        decision = self.router.route_scenario(scenario)
        overlay = decision.selected_overlay
        degraded_params, strategies = self.safety.degradation_snapshot(self.base_params)
        params = self.tripwire.get_overlay_params(degraded_params)
        baseline_prompt = base_prompt(scenario)
        use_overlay = params.get("FUSION_MODE") not in BASELINE_MODES
        prompt = self.router.apply_overlay(baseline_prompt, overlay) if use_overlay else baseline_prompt
        row = dict(scenario_id=scenario.id, overlay=overlay if use_overlay else None,
                   downgrade_active=not use_overlay and self.tripwire.is_downgrade_active(),
                   degradation=",".join(strategies) or None)

        try:
            completion = self.llm.complete(
                prompt, operation_id=operation_id, max_tokens=c.max_tokens, temperature=c.temperature,
                system=c.system_prompt, operation_type=OPERATION, priority=c.priority, category=scenario.category,
                context={"scenario_complexity": scenario.complexity, "overlay_type": overlay}, call=call,
            )
        except BudgetExceeded as exc:
            return self._finish(started, status=FusionStatus.DENIED, error_type=exc.error_type,
                                error_message=exc.message, **row)
        except CertError as exc:
            status = FusionStatus.CIRCUIT_OPEN if isinstance(exc, CircuitBreakerOpen) else FusionStatus.ERROR
            self._record_slo(False, (time.perf_counter() - started) * 1000, error_type=exc.error_type,
                             scenario_id=scenario.id)
            return self._finish(started, status=status, error_type=exc.error_type, error_message=exc.message, **row)

        baseline = estimate_tokens(c.system_prompt + prompt) + c.expected_output_tokens
        delta = token_delta_pct(completion.total_tokens, baseline)
        breach = self.tripwire.check_budget_breach(
            delta, {"scenario_id": scenario.id, "overlay_applied": overlay, "baseline_tokens": baseline,
                    "fusion_tokens": completion.total_tokens}
        )
        self._record_slo(True, completion.latency_ms, overlay_name=overlay)
        return self._finish(
            started, status=FusionStatus.OK, latency_ms=completion.latency_ms, input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens, cost_usd=completion.cost_usd, token_delta_pct=round(delta, 3),
            tripwire_breach=breach.is_breach, **{**row, "downgrade_active": breach.downgrade_active},
        )

    def _record_slo(self, success: bool, latency_ms: float, **tags: object) -> None:
        """One outcome for the SLO windows; a breached SLO degrades the calls that follow."""
        self.safety.record_fusion_metric(OPERATION, success, latency_ms, **tags)
        self.safety.update_degradation()

    def _finish(self, started: float, **fields) -> FusionOutcome:
        latency_ms = fields.pop("latency_ms", None) or (time.perf_counter() - started) * 1000
        outcome = FusionOutcome(
            backend=str(self.llm.backend_name), model=self.llm.model_id, latency_ms=round(latency_ms, 3),
            circuit_state=self.breaker.state.value, run_at=datetime.now(timezone.utc), **fields,
        )
        METRICS.requests_total.labels("fusion", outcome.status).inc()
        METRICS.request_duration.labels("fusion", "process_scenario").observe(latency_ms / 1000)
        if outcome.error_type:
            METRICS.request_errors.labels("fusion", outcome.error_type).inc()
        return outcome
