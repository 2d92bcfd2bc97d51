from __future__ import annotations

import pytest

from cert_core.config import get_settings, load_config
from cert_core.errors import InvalidInputError
from cert_core.fusion import build_runtime, token_delta_pct
from cert_core.llm.governed import estimate_tokens
from cert_core.routing import Scenario


@pytest.fixture()
def settings(tmp_path):
    return get_settings(state_dir=tmp_path)


def test_unknown_priority_fails_the_run_before_any_scenario(config_dir, settings):
    with pytest.raises(InvalidInputError, match="unknown priority 'urgent'; use one of critical, high, medium, low"):
        build_runtime(load_config(config_dir), settings, "simulated", priority="urgent")


def test_token_delta_and_estimates_are_hand_checkable():
    assert token_delta_pct(112, 100) == pytest.approx(12.0)
    assert token_delta_pct(80, 100) == pytest.approx(-20.0)
    assert estimate_tokens("x" * 9) == 3 and estimate_tokens("") == 1


def test_one_scenario_through_the_simulated_runtime(config_dir, settings):
    runtime = build_runtime(load_config(config_dir, "development"), settings, "simulated")
    try:
        scenario = Scenario(id="s1", category="financial_operations", complexity=0.8, description="refund rollback")
        outcome = runtime.pipeline.process(scenario, operation_id="op-1")
        assert outcome.status == "ok" and outcome.backend == "simulated"
        assert outcome.overlay == "rollback_first" and outcome.circuit_state == "closed"
        assert outcome.input_tokens > estimate_tokens("refund rollback")  # the overlay text was sent
        usage = runtime.pipeline.llm.controller.ledger.usage()
        assert usage.daily_tokens == outcome.input_tokens + outcome.output_tokens  # consumption, not the reservation
    finally:
        runtime.close()
