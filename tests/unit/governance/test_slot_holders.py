"""The slot holder registry: a lease held by a live process is kept, one of a dead process or expired is stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cert_core.governance.slot_holders import SlotHolderRegistry, process_alive, process_start_token


def test_a_live_holder_is_kept_and_forgetting_removes_it(tmp_path):
    registry = SlotHolderRegistry(tmp_path / "holders")
    hold = registry.record("lease-1", ["in-flight"], 1, "ephemeral", lease_s=60, now=1000.0)
    assert hold.pid == os.getpid() and hold.expires_at == 1060.0
    assert [h.lease_id for h in registry.holds()] == ["lease-1"]
    assert registry.stale("ephemeral", now=1059.0) == []
    registry.forget("lease-1")
    registry.forget("lease-1")  # twice is fine
    assert registry.holds() == []


def test_an_expired_lease_or_a_dead_process_is_stale_only_on_its_own_api(tmp_path):
    registry = SlotHolderRegistry(tmp_path)
    registry.record("expired", ["in-flight"], 1, "ephemeral", lease_s=60, now=1000.0)
    assert [h.lease_id for h in registry.stale("ephemeral", now=1060.0)] == ["expired"]
    assert registry.stale("http://127.0.0.1:4200/api", now=1060.0) == []

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = registry.record("dead", ["in-flight"], 1, "ephemeral", lease_s=60, now=1000.0)
    raw = json.loads((tmp_path / "dead.json").read_text())
    (tmp_path / "dead.json").write_text(json.dumps({**raw, "pid": child.pid}))
    assert dead.lease_id in [h.lease_id for h in registry.stale("ephemeral", now=1001.0)]


def test_a_zombie_or_a_reused_pid_is_not_alive():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    token = process_start_token(child.pid)
    while True:  # exited but not yet reaped: a zombie
        state = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            break
    assert not process_alive(child.pid)
    child.wait()
    assert process_alive(os.getpid(), process_start_token(os.getpid()))
    assert not process_alive(os.getpid(), str(int(process_start_token(os.getpid())) + 1))
    assert token is not None


def test_a_half_written_or_foreign_file_is_skipped(tmp_path):
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "other.json").write_text(json.dumps({"hello": 1}))
    assert SlotHolderRegistry(tmp_path).holds() == []
