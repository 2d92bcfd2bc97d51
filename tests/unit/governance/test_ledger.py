"""BudgetLedger on SQLite: windows, caps, commit/release, idempotency and error mapping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cert_core.errors import InvalidInputError, ResourceError
from cert_core.governance import BudgetLedger, Denial, LedgerLimits, Reservation, Settlement

T0 = datetime(2026, 11, 23, 17, 59, tzinfo=UTC)
T1 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path):
    led = BudgetLedger(f"sqlite:///{tmp_path}/state/ledger.db", LedgerLimits(1000, 600, 10.0, 4.0))
    yield led
    led.dispose()


def test_reserve_charges_day_and_hour_windows(ledger):
    res = ledger.reserve("op-1", 400, 1.5, T0)
    assert res == Reservation("op-1", 400, 1.5, "2026-11-23", "2026-11-23T17", None, daily_tokens_used=400)
    assert ledger.reserve("op-2", 500, 0.5, T1).daily_tokens_used == 900  # next hour, same day
    at_t1 = ledger.usage(T1)
    assert (at_t1.daily_tokens, at_t1.hourly_tokens, at_t1.daily_cost_usd, at_t1.hourly_cost_usd) == (900, 500, 2.0, 0.5)
    assert ledger.usage(T0).hourly_tokens == 400
    assert ledger.usage(NEXT_DAY).daily_tokens == 0


def test_caps_deny_with_the_cap_named(ledger):
    ledger.reserve("a", 550, 0.0, T0)
    hourly = ledger.reserve("b", 51, 0.0, T0)
    assert isinstance(hourly, Denial) and hourly.cap == "hourly_tokens"
    assert "used 550, asked 51" in hourly.reason
    assert isinstance(ledger.reserve("c", 50, 0.0, T0), Reservation)  # exactly at the cap is allowed
    ledger.reserve("d", 390, 0.0, T1)
    daily = ledger.reserve("e", 11, 0.0, T1)
    assert isinstance(daily, Denial) and daily.cap == "daily_tokens"
    cost = ledger.reserve("f", 1, 4.01, NEXT_DAY)
    assert isinstance(cost, Denial) and cost.cap == "hourly_cost"
    assert ledger.usage(T1).daily_tokens == 990  # denials charge nothing


def test_category_and_reserve_caps(ledger):
    assert isinstance(ledger.reserve("a", 300, 0, T0, category="fin", category_daily_tokens=300), Reservation)
    denied = ledger.reserve("b", 1, 0, T0, category="fin", category_daily_tokens=300)
    assert isinstance(denied, Denial) and denied.cap == "category_tokens"
    assert isinstance(ledger.reserve("c", 1, 0, T0, category="sec", category_daily_tokens=300), Reservation)
    held_back = ledger.reserve("d", 100, 0, T1, daily_token_cap=350)
    assert isinstance(held_back, Denial) and held_back.cap == "daily_tokens"
    assert ledger.category_tokens("fin", T0) == 300


def test_commit_moves_the_charge_to_actual_usage(ledger):
    ledger.reserve("a", 400, 2.0, T0, category="fin", category_daily_tokens=900)
    committed = ledger.commit("a", 250, 1.25)
    assert committed == Settlement("a", reserved_tokens=400, actual_tokens=250, cost_usd=1.25, daily_tokens_used=250)
    usage = ledger.usage(T0)
    assert (usage.daily_tokens, usage.hourly_tokens, usage.daily_cost_usd) == (250, 250, 1.25)
    assert ledger.category_tokens("fin", T0) == 250
    assert ledger.commit("a", 250, 1.25) == committed  # a retried commit is a no-op
    with pytest.raises(InvalidInputError, match="already committed"):
        ledger.commit("a", 300, 1.25)
    with pytest.raises(InvalidInputError, match="already committed"):
        ledger.release("a")


def test_release_returns_the_reservation(ledger):
    ledger.reserve("a", 400, 2.0, T0)
    ledger.release("a")
    ledger.release("a")  # twice is fine
    assert ledger.usage(T0).daily_tokens == 0 and ledger.usage(T0).daily_cost_usd == 0
    with pytest.raises(InvalidInputError, match="already released"):
        ledger.commit("a", 1)


def test_reserve_is_idempotent_per_operation_id(ledger):
    first = ledger.reserve("a", 100, 0.25, T0)
    assert ledger.reserve("a", 100, 0.25, T0) == first  # the retry sees the same reservation and total
    assert ledger.usage(T0).daily_tokens == 100
    with pytest.raises(InvalidInputError, match="already reserved"):
        ledger.reserve("a", 200, 0.25, T0)


def test_cost_totals_are_exact(ledger):
    for i in range(30):
        ledger.reserve(f"op{i}", 1, 0.1, T0)
    assert ledger.usage(T0).daily_cost_usd == 3.0  # 30 x 0.1 in micro-dollars, no float drift


@pytest.mark.parametrize(
    ("tokens", "cost", "match"),
    [(-1, 0.0, "tokens"), (1.5, 0.0, "tokens"), (True, 0.0, "tokens"), (1, -0.01, "cost_usd"), (1, float("nan"), "cost_usd")],
)
def test_bad_amounts_are_invalid_input(ledger, tokens, cost, match):
    with pytest.raises(InvalidInputError, match=match):
        ledger.reserve("x", tokens, cost, T0)


def test_unknown_operation_is_invalid_input(ledger):
    with pytest.raises(InvalidInputError, match="no reservation 'nope'"):
        ledger.commit("nope", 1)
    assert ledger.reservation("nope") is None


def test_unusable_database_is_a_resource_error(tmp_path):
    (tmp_path / "ledger.db").write_bytes(b"this is not a sqlite database" * 100)
    ledger = BudgetLedger(f"sqlite:///{tmp_path}/ledger.db", LedgerLimits(10, 10, 1.0, 1.0))
    with pytest.raises(ResourceError, match=r"budget ledger at sqlite:///.*ledger\.db failed"):
        ledger.usage(T0)
    ledger.dispose()


def test_sqlite_writes_take_the_write_lock_up_front_and_reads_do_not(ledger):
    from sqlalchemy import event

    seen: list[str] = []
    event.listen(ledger.engine, "before_cursor_execute", lambda conn, cur, stmt, *a: seen.append(stmt))
    ledger.reserve("a", 1, 0.0, T0)
    assert seen[0] == "BEGIN IMMEDIATE"
    seen.clear()
    ledger.usage(T0)
    assert seen[0] == "BEGIN"
