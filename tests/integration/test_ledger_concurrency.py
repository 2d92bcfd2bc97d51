"""Budget ledger under concurrent processes, on SQLite and PostgreSQL.

- 4 processes x 250 concurrent allocations: totals exact, never above the cap.
- 8 processes killed (-9) while reserving: after the hold expiry no uncommitted hold counts.
- Governed calls that each use exactly max_tokens, under the seed's low-load discount: no cap is
  ever passed and no commit outgrows its hold.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import signal
import time
import uuid
from datetime import timedelta

import pytest

from cert_core.errors import ResourceError
from cert_core.governance import BudgetLedger, LedgerLimits

from ._ledger_workers import NOW, holding_worker, ledger_worker, max_tokens_worker

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROCESSES, PER_PROCESS = 4, 250
# Each worker asks for 1..20 tokens (about 2,600 per worker if all were approved); the caps below
# are well under the ~10,500 asked in total, so some reservations must be denied.
LIMITS = (6000, 5000, 1000.0, 1000.0)  # daily tokens, hourly tokens, daily $, hourly $


def run_race(url: str, prefix: str) -> tuple[list[dict], BudgetLedger]:
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=ledger_worker, args=(url, prefix, LIMITS, w, PER_PROCESS, start, results))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    start.set()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return out, BudgetLedger(url, LedgerLimits(*LIMITS), table_prefix=prefix)


def check_totals(out: list[dict], ledger: BudgetLedger) -> None:
    usage = ledger.usage(NOW)
    assert sum(r["approved"] + r["denied"] for r in out) == PROCESSES * PER_PROCESS
    assert sum(r["denied"] for r in out) > 0  # the cap was reached, so it was tested
    assert usage.daily_tokens == sum(r["tokens"] for r in out)  # no lost update
    assert usage.hourly_tokens == usage.daily_tokens
    assert round(usage.daily_cost_usd * 1_000_000) == sum(r["micro"] for r in out)
    assert ledger.category_tokens("cat", NOW) == usage.daily_tokens
    assert usage.hourly_tokens <= LIMITS[1]
    rate = PROCESSES * PER_PROCESS / max(r["elapsed"] for r in out)
    print(f"\n{ledger.url_for_messages}: {rate:.0f} reservations/s (+ commits/releases) across {PROCESSES} processes")


def test_sqlite_ledger_is_exact_under_concurrent_processes(tmp_path):
    out, ledger = run_race(f"sqlite:///{tmp_path}/ledger.db", "cert_")
    check_totals(out, ledger)
    ledger.dispose()


@pytest.fixture
def pg_prefix(postgres_url):
    """A table prefix of this test's own on the shared database; its tables are dropped afterwards."""
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    yield prefix
    cleanup = BudgetLedger(postgres_url, LedgerLimits(*LIMITS), table_prefix=prefix)
    cleanup.drop_tables()
    cleanup.dispose()


@pytest.mark.postgres
def test_postgres_ledger_is_exact_under_concurrent_processes(postgres_url, pg_prefix):
    out, ledger = run_race(postgres_url, pg_prefix)
    check_totals(out, ledger)
    ledger.dispose()


@pytest.mark.postgres
def test_postgres_errors_name_the_url_without_the_password(postgres_url):
    from sqlalchemy.engine import make_url

    bad = make_url(postgres_url).set(password="s3cret-pw", port=1)
    ledger = BudgetLedger(bad.render_as_string(hide_password=False), LedgerLimits(*LIMITS))
    with pytest.raises(ResourceError) as info:
        ledger.usage(NOW)
    assert "s3cret-pw" not in info.value.message and ":1/" in info.value.message
    ledger.dispose()


KILLED, TTL_S = 8, 60.0


def kill_while_reserving(url: str, prefix: str) -> None:
    ctx = mp.get_context("spawn")
    rng = random.Random(11)
    counters = [ctx.RawValue("q", 0) for _ in range(KILLED)]
    procs = [ctx.Process(target=holding_worker, args=(url, prefix, (10**9, 10**9, 10**6, 10**6), w, TTL_S, c))
             for w, c in enumerate(counters)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + 120
    while min(c.value for c in counters) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert min(c.value for c in counters) >= 20, "the workers did not get going"
    for p in procs:
        time.sleep(rng.uniform(0.0, 0.05))
        p.kill()  # SIGKILL, often between reserve and commit
    for p in procs:
        p.join(30)
        assert p.exitcode == -signal.SIGKILL

    ledger = BudgetLedger(url, LedgerLimits(10**9, 10**9, 10**6, 10**6), table_prefix=prefix, hold_ttl_s=TTL_S)
    r = ledger.reservations
    import sqlalchemy as sa

    def total(status: str) -> int:
        with ledger.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.coalesce(sa.func.sum(r.c.tokens), 0)).where(r.c.status == status)).scalar()

    committed, held = total("committed"), total("reserved")
    assert held > 0  # kills left uncommitted holds behind, so expiry is tested
    before, after = NOW + timedelta(seconds=TTL_S - 1), NOW + timedelta(seconds=TTL_S)
    assert ledger.usage(before).hourly_tokens == committed + held  # still counted before the expiry
    assert ledger.usage(after).hourly_tokens == committed  # no hold counted once expired
    assert ledger.outstanding(after).expired == ledger.outstanding(after).count > 0
    ledger.reserve("after-expiry", 1, 0.0, after)  # the first writer gives them back for good
    assert (ledger.usage(after).hourly_tokens, ledger.usage(after).daily_tokens) == (committed + 1, committed + 1)
    assert total("reserved") == 1 and total("expired") == held
    print(f"\n{ledger.url_for_messages}: {held} tokens held by {KILLED} killed processes, none counted after expiry")
    ledger.dispose()


def test_sqlite_holds_of_killed_processes_stop_counting_after_expiry(tmp_path):
    kill_while_reserving(f"sqlite:///{tmp_path}/ledger.db", "cert_")


@pytest.mark.postgres
def test_postgres_holds_of_killed_processes_stop_counting_after_expiry(postgres_url, pg_prefix):
    kill_while_reserving(postgres_url, pg_prefix)


# caps small enough that the 4 workers hit them; every reserve below 30 % daily use gets the 0.9 discount
BUDGET = {"daily_token_limit": 40_000, "hourly_burst_limit": 6_000, "daily_cost_limit_usd": 1_000,
          "hourly_cost_limit_usd": 1_000, "max_tokens_per_operation": 5_000, "emergency_reserve_tokens": 0,
          "maintenance_reserve_tokens": 0}


def max_tokens_race(url: str, prefix: str) -> None:
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=max_tokens_worker, args=(url, prefix, BUDGET, w, 80, start, results))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    start.set()
    out = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    ledger = BudgetLedger(url, LedgerLimits(40_000, 6_000, 1_000, 1_000), table_prefix=prefix)
    usage = ledger.usage()
    assert sum(r["denied"] for r in out) > 0  # the hourly cap was reached
    assert usage.hourly_tokens <= BUDGET["hourly_burst_limit"] and usage.daily_tokens <= BUDGET["daily_token_limit"]
    assert sum(r["alarms"] for r in out) == 0  # no commit above its hold, none past a cap
    print(f"\n{ledger.url_for_messages}: exact-max_tokens calls used {usage.hourly_tokens} of "
          f"{BUDGET['hourly_burst_limit']} hourly tokens")
    ledger.dispose()


def test_sqlite_calls_using_exactly_max_tokens_never_pass_a_cap(tmp_path):
    max_tokens_race(f"sqlite:///{tmp_path}/ledger.db", "cert_")


@pytest.mark.postgres
def test_postgres_calls_using_exactly_max_tokens_never_pass_a_cap(postgres_url, pg_prefix):
    max_tokens_race(postgres_url, pg_prefix)
