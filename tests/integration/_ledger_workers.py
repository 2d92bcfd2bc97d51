"""Worker bodies for the ledger concurrency tests (importable by 'spawn' children)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # one hour window for the whole run


def ledger_worker(url: str, prefix: str, limits: tuple, worker: int, n: int, start, results) -> None:
    from cert_core.governance import BudgetLedger, LedgerLimits, Reservation

    ledger = BudgetLedger(url, LedgerLimits(*limits), table_prefix=prefix)
    ledger.usage(NOW)  # connect and create tables before the race starts
    start.wait()
    expected_tokens = expected_micro = approved = denied = 0
    t0 = time.perf_counter()
    for i in range(n):
        op = f"w{worker}-{i}"
        tokens = 1 + (i * 7 + worker) % 20
        cost = tokens * 0.001
        result = ledger.reserve(op, tokens, cost, NOW, category="cat", category_daily_tokens=limits[0])
        if not isinstance(result, Reservation):
            denied += 1
            continue
        approved += 1
        if i % 3 == 0:  # used fewer tokens than reserved
            ledger.commit(op, tokens - 1, cost / 2)
            expected_tokens += tokens - 1
            expected_micro += round(cost / 2 * 1_000_000)
        elif i % 3 == 1:  # never called: give it back
            ledger.release(op)
        else:
            expected_tokens += tokens
            expected_micro += round(cost * 1_000_000)
    elapsed = time.perf_counter() - t0
    ledger.dispose()
    results.put({"worker": worker, "tokens": expected_tokens, "micro": expected_micro, "approved": approved,
                 "denied": denied, "elapsed": elapsed})
