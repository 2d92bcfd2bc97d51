"""Nobody walks in: owner-only state files, and the metrics server on loopback unless told otherwise."""

from __future__ import annotations

import os
import stat

from cert_core.config import load_config
from cert_core.drift import DriftWatchdog


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_state_dir_manifest_and_ledger_are_owner_only(tmp_path, config_dir):
    from cert_core.governance.ledger import BudgetLedger, LedgerLimits
    from cert_core.governance.state_file import JsonStateFile

    state = tmp_path / "fresh-state"
    JsonStateFile(state / "tripwire_state.json").update(lambda s: {"ok": True})
    assert _mode(state) == 0o700 and _mode(state / "tripwire_state.json") == 0o600
    ledger = BudgetLedger(f"sqlite:///{state / 'ledger.db'}", LedgerLimits(1000, 100, 1.0, 0.1))
    ledger.engine.dispose()
    assert _mode(state / "ledger.db") == 0o600
    project = tmp_path / "project"
    (project / "flows").mkdir(parents=True)
    (project / "flows/f.py").write_text("x = 1\n")
    watchdog = DriftWatchdog(load_config(config_dir).drift_policy, root=project, state_dir=state)
    watchdog.run_drift_check()
    assert _mode(state / "drift") == 0o700 and _mode(watchdog.store.path) == 0o600


def test_an_existing_open_state_dir_is_narrowed(tmp_path):
    from cert_core.governance.state_file import JsonStateFile

    state = tmp_path / "open-state"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)
    JsonStateFile(state / "s.json").update(lambda s: {})
    assert _mode(state) == 0o700


def test_metrics_serve_binds_loopback_unless_told_otherwise():
    import inspect

    from cert_cli.commands.metrics import serve
    from cert_core.observability.server import make_server

    assert next(p for p in serve.params if p.name == "host").default == "127.0.0.1"
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
