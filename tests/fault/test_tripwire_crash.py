"""The tripwire state file under SIGKILL and under concurrent writer processes.

Writers run in 'forkserver' children: the server imports cert_core once, before any thread or
connection exists, and forks each writer from that clean single-threaded process, so dozens of
kills take seconds rather than a fresh interpreter start each. Every writer publishes how many
checks have returned; a SIGKILL lands at a random moment, often while the state file is being
written. Afterwards the file must load and every acknowledged check must be counted (a writer may
have completed one more check than it managed to publish).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import random
import signal
import time

import pytest

from cert_core.config.energy_governance import BudgetTripwireConfig
from cert_core.governance import BudgetTripwire

from ._tripwire_writers import tripwire_writer

ROUNDS, WRITERS = 8, 3


@pytest.fixture(scope="module")
def ctx():
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(["cert_core.governance.tripwire", "tests.fault._tripwire_writers"])
    return context


def start(ctx, state, limit=-1):
    done, ready = ctx.RawValue("q", 0), ctx.Event()
    proc = ctx.Process(target=tripwire_writer, args=(str(state), limit, done, ready))
    proc.start()
    return proc, done, ready


def test_killed_writers_leave_a_loadable_file_and_lose_no_completed_update(tmp_path, ctx):
    state = tmp_path / "tripwire_state.json"
    rng = random.Random(20261123)
    counted = kills = 0
    for _ in range(ROUNDS):
        writers = [start(ctx, state) for _ in range(WRITERS)]
        for _, _, ready in writers:
            assert ready.wait(60)
        acked = 0
        for proc, done, _ in writers:
            time.sleep(rng.uniform(0.01, 0.15))
            proc.kill()  # SIGKILL
            proc.join(30)
            assert proc.exitcode == -signal.SIGKILL
            acked += done.value
            kills += 1

        json.loads(state.read_text())  # the file itself is complete JSON
        status = BudgetTripwire(BudgetTripwireConfig(), state).get_status()
        assert status.corrupt_state_quarantined is None
        # no acknowledged update lost; at most one unacknowledged one per killed writer
        assert counted + acked <= status.total_checks <= counted + acked + WRITERS
        counted = status.total_checks
    assert kills == ROUNDS * WRITERS and counted > kills
    # the next writer removes the temp files that killed writers left behind
    BudgetTripwire(BudgetTripwireConfig(), state).check_budget_breach(1.0)
    assert list(tmp_path.glob(".tripwire_state.json.*.tmp")) == []


def test_concurrent_writers_never_lose_a_count(tmp_path, ctx):
    state = tmp_path / "tripwire_state.json"
    writers = [start(ctx, state, limit=50) for _ in range(4)]
    for proc, done, _ in writers:
        proc.join(120)
        assert proc.exitcode == 0 and done.value == 50
    status = BudgetTripwire(BudgetTripwireConfig(), state).get_status()
    assert status.total_checks == 200
    assert len(json.loads(state.read_text())["breach_history"]) == 50  # capped history, 150 breaches in all
    assert status.downgrade_active
