"""4 processes x 250 concurrent allocations: totals exact, never above the cap (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing as mp
import uuid

import pytest

from cert_core.errors import ResourceError
from cert_core.governance import BudgetLedger, LedgerLimits

from ._ledger_workers import NOW, ledger_worker

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


@pytest.mark.postgres
def test_postgres_ledger_is_exact_under_concurrent_processes(postgres_url):
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    try:
        out, ledger = run_race(postgres_url, prefix)
        check_totals(out, ledger)
        ledger.dispose()
    finally:
        cleanup = BudgetLedger(postgres_url, LedgerLimits(*LIMITS), table_prefix=prefix)
        cleanup.drop_tables()
        cleanup.dispose()


@pytest.mark.postgres
def test_postgres_errors_name_the_url_without_the_password(postgres_url):
    from sqlalchemy.engine import make_url

    bad = make_url(postgres_url).set(password="s3cret-pw", port=1)
    ledger = BudgetLedger(bad.render_as_string(hide_password=False), LedgerLimits(*LIMITS))
    with pytest.raises(ResourceError) as info:
        ledger.usage(NOW)
    assert "s3cret-pw" not in info.value.message and ":1/" in info.value.message
    ledger.dispose()
