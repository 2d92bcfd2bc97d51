"""Budget ledger throughput under concurrent processes, SQLite against PostgreSQL.

Each of PROCESSES spawned workers makes PER_PROCESS budget operations as fast as it can, all in one
hour window, with caps high enough that nothing is denied:
- "reserve": BudgetLedger.reserve only (one write transaction each);
- "allocate": EnergyGovernanceController.allocate_budget + record_consumption (the governance path of
  one LLM call: a pricing read, the reservation, a remaining read, the commit and two reads).
Rates are operations per second of wall time across all processes. PostgreSQL comes from
CERT_TEST_POSTGRES_URL (default: the local server); it is skipped when unreachable.
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime

import _common  # noqa: E402,F401  (puts the repo on sys.path)

PROCESSES, PER_PROCESS = 4, 250
NOW = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
PG_URL = os.environ.get("CERT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _config():
    from cert_core.config.energy_governance import EnergyGovernanceConfig

    return EnergyGovernanceConfig.model_validate({"budget_limits": {
        "daily_token_limit": 10**9, "hourly_burst_limit": 10**9, "daily_cost_limit_usd": 10**6,
        "hourly_cost_limit_usd": 10**6, "emergency_reserve_tokens": 0, "maintenance_reserve_tokens": 0}})


def worker(mode: str, url: str, prefix: str, wid: int, start, results) -> None:
    from cert_core.governance import BudgetLedger, EnergyGovernanceController, ledger_limits

    ledger = BudgetLedger(url, ledger_limits(_config()), table_prefix=prefix)
    controller = EnergyGovernanceController(_config(), ledger, clock=lambda: NOW)
    ledger.usage(NOW)
    start.wait()
    t0 = time.perf_counter()
    for i in range(PER_PROCESS):
        if mode == "reserve":
            ledger.reserve(f"{wid}-{i}", 10, 0.001, NOW)
        else:
            alloc = controller.allocate_budget("bench", 100, operation_id=f"{wid}-{i}")
            controller.record_consumption(alloc.operation_id, 90, True, 0.001)
    t1 = time.perf_counter()
    ledger.dispose()
    results.put((t0, t1))


def measure(mode: str, url: str, prefix: str) -> float:
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(mode, url, prefix, w, start, results)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    time.sleep(0.5)
    start.set()
    spans = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    wall = max(t1 for _, t1 in spans) - min(t0 for t0, _ in spans)
    return PROCESSES * PER_PROCESS / wall


def postgres_reachable() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def main() -> None:
    from cert_core.governance import BudgetLedger, ledger_limits

    result: dict[str, float | int | str | None] = {"processes": PROCESSES, "per_process": PER_PROCESS}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("reserve", "allocate"):
            rate = measure(mode, f"sqlite:///{tmp}/{mode}.db", "bench_")
            result[f"sqlite_{mode}_per_s"] = round(rate, 1)
            print(f"sqlite {mode}: {rate:.1f}/s", flush=True)
    if postgres_reachable():
        for mode in ("reserve", "allocate"):
            prefix = f"bench{uuid.uuid4().hex[:6]}_"
            try:
                rate = measure(mode, PG_URL, prefix)
            finally:
                ledger = BudgetLedger(PG_URL, ledger_limits(_config()), table_prefix=prefix)
                ledger.drop_tables()
                ledger.dispose()
            result[f"postgres_{mode}_per_s"] = round(rate, 1)
            print(f"postgres {mode}: {rate:.1f}/s", flush=True)
        result["postgres_over_sqlite_allocate"] = round(result["postgres_allocate_per_s"] / result["sqlite_allocate_per_s"], 3)
    else:
        result["postgres"] = f"unreachable at {PG_URL}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
