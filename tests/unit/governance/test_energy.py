"""EnergyGovernanceController: multipliers, denials with reasons, consumption, recovery and alerts."""

from __future__ import annotations


import pytest

from cert_core.config.energy_governance import EnergyGovernanceConfig
from cert_core.errors import InvalidInputError
from cert_core.governance import EnergyGovernanceController
from cert_core.observability import METRICS


def small_config(**sections) -> EnergyGovernanceConfig:
    data = {
        "budget_limits": {
            "daily_token_limit": 1000, "hourly_burst_limit": 1000, "daily_cost_limit_usd": 100,
            "hourly_cost_limit_usd": 100, "max_tokens_per_operation": 500, "max_cost_per_operation_usd": 5,
            "emergency_reserve_tokens": 100, "maintenance_reserve_tokens": 0,
        },
        "cost_multipliers": {"load_based_pricing": {"enabled": False}},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return EnergyGovernanceConfig.model_validate(data)


def make(tmp_path, clock, config=None) -> EnergyGovernanceController:
    return EnergyGovernanceController.from_config(config or small_config(), f"sqlite:///{tmp_path}/ledger.db", clock=clock.utc)


def _denials(cap: str) -> float:
    return METRICS.registry.get_sample_value("cert_budget_denials_total", {"reason": cap}) or 0.0


def test_cost_multiplier_from_complexity_priority_quality_and_low_load(tmp_path, clock):
    ctl = make(tmp_path, clock, EnergyGovernanceConfig())  # the seed's defaults, load pricing on
    alloc = ctl.allocate_budget("overlay_fusion", 2500, "high", context={"scenario_complexity": 0.8})
    # 1.0 x (1 + 0.3*0.8) x (1 + 0.15*(2-1)) x 0.9 (load 0 < 0.3) = 1.2834; ceil(2500 * 1.2834) = 3209
    assert alloc.approved and alloc.cost_multiplier == pytest.approx(1.2834)
    assert alloc.allocated_tokens == 3209
    assert alloc.budget_remaining == 100_000 - 3209
    premium = ctl.allocate_budget("overlay_fusion", 1000, "medium", context={"require_high_quality": True})
    assert premium.cost_multiplier == pytest.approx(1.2 * 0.9) and premium.allocated_tokens == 1080


def test_high_load_premium_and_reserve_for_top_priority(tmp_path, clock):
    ctl = make(tmp_path, clock, small_config(cost_multipliers={"load_based_pricing": {"enabled": True}}))
    ctl.ledger.reserve("prefill", 900, 0.0, clock.utc())  # 90 % used: high load
    medium = ctl.allocate_budget("fusion", 10, "medium")
    assert not medium.approved and medium.denied_by == "daily_tokens"
    assert "reserved for the top priority" in medium.reason
    critical = ctl.allocate_budget("fusion", 10, "critical")
    # (1 + 0.15*(3-1)) x 1.3 (load 0.9 >= 0.9) = 1.69 -> ceil(16.9) = 17
    assert critical.approved and critical.cost_multiplier == pytest.approx(1.69) and critical.allocated_tokens == 17


def test_per_operation_limit_denies_and_counts(tmp_path, clock):
    ctl = make(tmp_path, clock)
    before = _denials("per_operation_tokens")
    denied = ctl.allocate_budget("fusion", 501)
    assert not denied.approved and denied.allocated_tokens == 0
    assert "max_tokens_per_operation 500" in denied.reason
    assert _denials("per_operation_tokens") == before + 1
    assert ctl.allocate_budget("fusion", 500).approved


def test_hourly_and_category_limits(tmp_path, clock):
    ctl = make(tmp_path, clock, small_config(budget_limits={"hourly_burst_limit": 400}))
    assert ctl.allocate_budget("fusion", 250, category="financial_operations").approved
    category = ctl.allocate_budget("fusion", 60, category="financial_operations")  # 0.30 x 1000 = 300
    assert not category.approved and category.denied_by == "category_tokens"
    hourly = ctl.allocate_budget("fusion", 151, category="unlisted_category")
    assert not hourly.approved and hourly.denied_by == "hourly_tokens"
    assert ctl.allocate_budget("fusion", 150, category="unlisted_category").approved  # no share: global caps only


def test_unknown_priority_lists_the_valid_ones(tmp_path, clock):
    ctl = make(tmp_path, clock)
    with pytest.raises(InvalidInputError, match="unknown priority 'urgent'; use one of low, medium, high, critical"):
        ctl.allocate_budget("fusion", 100, "urgent")


@pytest.mark.parametrize("tokens", [-1, 0, 2.5, "100", True])
def test_bad_token_estimates_are_invalid_input(tmp_path, clock, tokens):
    with pytest.raises(InvalidInputError, match="estimated_tokens"):
        make(tmp_path, clock).allocate_budget("fusion", tokens)


def test_bad_complexity_and_cost_are_invalid_input(tmp_path, clock):
    ctl = make(tmp_path, clock)
    with pytest.raises(InvalidInputError, match="complexity"):
        ctl.allocate_budget("fusion", 10, context={"complexity": 1.5})
    with pytest.raises(InvalidInputError, match="estimated_cost_usd"):
        ctl.allocate_budget("fusion", 10, estimated_cost_usd=-1)


def test_record_consumption_efficiency_delta_and_remaining(tmp_path, clock):
    ctl = make(tmp_path, clock)
    alloc = ctl.allocate_budget("fusion", 400, operation_id="run1:s1")
    assert alloc.operation_id == "run1:s1" and alloc.allocated_tokens == 400
    used = ctl.record_consumption("run1:s1", 500, success=True, cost_usd=0.02)
    assert used.efficiency_ratio == 0.8 and used.token_delta_pct == 25.0
    assert used.budget_remaining == 500 and used.recovery_factor == 1.0
    with pytest.raises(InvalidInputError, match="no reservation 'missing'"):
        ctl.record_consumption("missing", 1, success=True)
    with pytest.raises(InvalidInputError, match="actual_tokens"):
        ctl.record_consumption("run1:s1", -5, success=True)


def test_release_gives_the_allocation_back(tmp_path, clock):
    ctl = make(tmp_path, clock)
    alloc = ctl.allocate_budget("fusion", 300)
    ctl.release(alloc.operation_id)
    assert ctl.ledger.usage(clock.utc()).daily_tokens == 0


def test_energy_recovery_bonus_cap_decay_and_cooldown(tmp_path, clock):
    ctl = make(tmp_path, clock, small_config(budget_limits={"emergency_reserve_tokens": 0}))

    def efficient(quality=None):
        alloc = ctl.allocate_budget("fusion", 10)
        return ctl.record_consumption(alloc.operation_id, 10, True, quality_metrics=quality).recovery_factor

    assert efficient() == pytest.approx(1.2)
    assert efficient({"specificity": 0.9, "operationality": 0.9}) == pytest.approx(1.2 * 1.2 * 1.15)
    assert efficient({"specificity": 0.9}) == 2.0  # capped at max_recovery_factor
    clock.advance(hours=1)
    assert ctl.recovery_factor() == pytest.approx(1.9)  # wears off at 0.1 per hour
    assert ctl.allocate_budget("fusion", 900).approved  # per-operation allowance 500 x 1.9 = 950
    failed = ctl.allocate_budget("fusion", 10)
    assert ctl.record_consumption(failed.operation_id, 10, success=False).recovery_factor == 1.0
    assert efficient() == 1.0  # cooling down for 300 s
    clock.advance(seconds=301)
    assert efficient() == pytest.approx(1.2)


def test_check_tripwires_reports_utilisation_levels(tmp_path, clock):
    ctl = make(tmp_path, clock, small_config(budget_limits={"emergency_reserve_tokens": 0, "hourly_burst_limit": 800}))
    assert not any(s.triggered for s in ctl.check_tripwires().values())
    ctl.ledger.reserve("a", 700, 0.0, clock.utc())
    states = ctl.check_tripwires()
    assert states["daily_tokens"].level == "info" and states["daily_tokens"].threshold == 0.70
    assert states["hourly_tokens"].level == "warning" and states["hourly_tokens"].utilization == 0.875
    assert states["daily_cost"].triggered is False
    ctl.ledger.reserve("b", 96, 0.0, clock.utc())
    states = ctl.check_tripwires()
    assert states["hourly_tokens"].level == "critical" and "immediate action" in states["hourly_tokens"].message
