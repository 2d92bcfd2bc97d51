"""Holds expire, discounts never shrink a hold, and a commit above its hold is recorded and alarmed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from cert_core.config import load_config
from cert_core.config.energy_governance import EnergyGovernanceConfig
from cert_core.governance import BudgetLedger, Denial, EnergyGovernanceController, LedgerLimits, Reservation, hold_ttl_s
from cert_core.observability import METRICS

T0 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def ledger(tmp_path):
    led = BudgetLedger(f"sqlite:///{tmp_path}/ledger.db", LedgerLimits(1000, 600, 10.0, 4.0), hold_ttl_s=60)
    yield led
    led.dispose()


def _overcommits(kind: str) -> float:
    return METRICS.registry.get_sample_value("cert_budget_overcommits_total", {"kind": kind}) or 0.0


def test_an_uncommitted_hold_stops_counting_when_it_expires(ledger):
    ledger.reserve("dead", 500, 1.0, at(0), category="c", category_daily_tokens=800)
    assert ledger.usage(at(59)).hourly_tokens == 500
    assert (ledger.usage(at(60)).hourly_tokens, ledger.usage(at(60)).daily_cost_usd) == (0, 0.0)  # read: exact at once
    assert ledger.category_tokens("c", at(60)) == 0
    assert ledger.outstanding(at(60)).expired == 1
    # the next reservation gives it back for good: the whole hour is free again
    assert isinstance(ledger.reserve("next", 600, 0.0, at(61)), Reservation)
    assert ledger.usage(at(61)).hourly_tokens == 600 and ledger.outstanding(at(61)).expired == 0
    assert isinstance(ledger.reserve("more", 1, 0.0, at(62)), Denial)  # the cap still holds
    ledger.release("dead")  # releasing an expired hold is a no-op
    assert ledger.usage(at(62)).hourly_tokens == 600


def test_a_late_commit_is_recorded_truthfully_and_flagged(ledger):
    ledger.reserve("slow", 300, 0.5, at(0))
    ledger.reserve("sweep", 1, 0.0, at(70))  # expires "slow"
    assert ledger.usage(at(70)).hourly_tokens == 1
    settled = ledger.commit("slow", 250, 0.4)
    assert settled.late and not settled.over_reservation and settled.over_caps == ()
    assert ledger.usage(at(71)).hourly_tokens == 251  # the tokens were used: they count


def test_a_commit_above_its_hold_is_recorded_and_names_the_caps_it_passed(ledger):
    ledger.reserve("fill", 590, 0.0, at(0))
    ledger.commit("fill", 590)
    ledger.reserve("small", 10, 0.0, at(1))
    settled = ledger.commit("small", 15)  # used more than it held: 605 > 600 in the hour
    assert settled.over_reservation and settled.over_caps == ("hourly_tokens",)
    assert ledger.usage(at(2)).hourly_tokens == 605


def test_the_controller_alarms_on_an_over_cap_commit(tmp_path, clock, caplog):
    cfg = EnergyGovernanceConfig.model_validate({"budget_limits": {
        "daily_token_limit": 1000, "hourly_burst_limit": 100, "daily_cost_limit_usd": 100, "hourly_cost_limit_usd": 100,
        "max_tokens_per_operation": 500, "emergency_reserve_tokens": 0, "maintenance_reserve_tokens": 0},
        "cost_multipliers": {"load_based_pricing": {"enabled": False}}})
    ctl = EnergyGovernanceController.from_config(cfg, f"sqlite:///{tmp_path}/l.db", clock=clock.utc, hold_ttl_s=60)
    before = (_overcommits("over_reservation"), _overcommits("hourly_tokens"))
    alloc = ctl.allocate_budget("x", 90, operation_id="op")
    ctl.record_consumption("op", 120, True)
    assert (_overcommits("over_reservation"), _overcommits("hourly_tokens")) == (before[0] + 1, before[1] + 1)
    assert alloc.allocated_tokens == 90 and ctl.ledger.usage(clock.utc()).hourly_tokens == 120
    ctl.close()


def test_a_low_load_discount_never_shrinks_the_hold_below_the_estimate(tmp_path, clock):
    ctl = EnergyGovernanceController.from_config(EnergyGovernanceConfig(), f"sqlite:///{tmp_path}/l.db", clock=clock.utc)
    alloc = ctl.allocate_budget("overlay_fusion", 712, "medium")  # the call: prompt + max_tokens = 712
    assert alloc.cost_multiplier == pytest.approx(0.9)  # the discount is still reported
    assert alloc.allocated_tokens == 712  # seed behaviour held ceil(712 x 0.9) = 641
    ctl.close()


def test_hold_ttl_defaults_to_every_attempt_of_a_call_plus_the_margin():
    config = load_config()
    # 30 s timeout x 4 attempts x (2 task retries + 1) + 120 s
    assert hold_ttl_s(config) == 480.0
    limits = config.energy_governance.budget_limits.with_overrides(reservation_ttl_s=90)
    fixed = config.model_copy(update={"energy_governance": config.energy_governance.model_copy(
        update={"budget_limits": limits})})
    assert hold_ttl_s(fixed) == 90


def test_a_ledger_made_before_expiry_gains_the_column_and_its_holds_never_expire(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE cert_budget_windows (window_key VARCHAR(96) PRIMARY KEY, tokens_used BIGINT NOT NULL,"
                     " cost_micro_usd BIGINT NOT NULL)")
        conn.execute("CREATE TABLE cert_budget_reservations (operation_id VARCHAR(200) PRIMARY KEY, day_key VARCHAR(16)"
                     " NOT NULL, hour_key VARCHAR(16) NOT NULL, category VARCHAR(96), reserved_tokens BIGINT NOT NULL,"
                     " tokens BIGINT NOT NULL, cost_micro_usd BIGINT NOT NULL, status VARCHAR(16) NOT NULL,"
                     " created_at DATETIME NOT NULL)")
        conn.execute("INSERT INTO cert_budget_windows VALUES ('day:2026-11-23', 40, 0), ('hour:2026-11-23T17', 40, 0)")
        conn.execute("INSERT INTO cert_budget_reservations VALUES ('old', '2026-11-23', '2026-11-23T17', NULL, 40, 40, 0,"
                     " 'reserved', '2026-11-23 16:00:00')")
    led = BudgetLedger(f"sqlite:///{path}", LedgerLimits(1000, 600, 10.0, 4.0), hold_ttl_s=1)
    assert isinstance(led.reserve("new", 10, 0.0, at(3600)), Reservation)
    assert led.usage(at(3600)).daily_tokens == 50  # the old hold has no expiry: it still counts
    led.dispose()
