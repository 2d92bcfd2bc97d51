"""Two processes run coordination calls against one ledger: the hourly cost cap holds exactly."""

from __future__ import annotations

import multiprocessing as mp
import uuid

import pytest

from cert_core.governance import BudgetLedger, LedgerLimits

from ._coordination_cost_workers import coordination_worker

pytestmark = [pytest.mark.integration]

CAP = 0.25  # dollars: each simulated agent call holds about $0.004 and costs about $0.0015


def race(url: str, prefix: str) -> list[dict]:
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=coordination_worker, args=(url, prefix, CAP, w, 200, start, results))
             for w in range(2)]
    for p in procs:
        p.start()
    start.set()
    out = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return out


def check(out: list[dict], url: str, prefix: str) -> None:
    ledger = BudgetLedger(url, LedgerLimits(10_000_000, 5_000_000, 1_000, CAP), table_prefix=prefix)
    usage = ledger.usage()
    ledger.dispose()
    assert all(r["cost_limited"] for r in out)  # both met the cap, so it was tested
    assert all(r["calls"] > 0 for r in out)
    assert usage.hourly_cost_usd <= CAP  # never above the cap, whatever the interleaving
    assert usage.hourly_cost_usd == pytest.approx(sum(r["cost"] for r in out), abs=1e-6)  # what both spent
    assert usage.hourly_cost_usd > CAP * 0.5  # the cap, not something else, stopped them


def test_sqlite_hourly_cost_cap_holds_across_two_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    check(race(url, "cert_"), url, "cert_")


@pytest.mark.postgres
def test_postgres_hourly_cost_cap_holds_across_two_processes(postgres_url):
    prefix = f"c{uuid.uuid4().hex[:8]}_"
    try:
        check(race(postgres_url, prefix), postgres_url, prefix)
    finally:
        cleanup = BudgetLedger(postgres_url, LedgerLimits(1, 1, 1, 1), table_prefix=prefix)
        cleanup.drop_tables()
        cleanup.dispose()
