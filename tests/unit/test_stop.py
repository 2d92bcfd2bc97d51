"""SIGTERM / Ctrl-C: the first asks to stop (no new LLM call starts), the second aborts."""

from __future__ import annotations

import os
import signal

import pytest

from cert_core.errors import StopRequested
from cert_core.stop import check_stop, clear_stop, stop_on_signals, stop_requested


@pytest.fixture(autouse=True)
def fresh():
    clear_stop()
    yield
    clear_stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_first_signal_requests_a_stop_and_the_second_aborts(sig):
    before = signal.getsignal(sig)
    with stop_on_signals():
        check_stop()  # nothing asked yet
        os.kill(os.getpid(), sig)
        assert stop_requested()
        with pytest.raises(StopRequested, match="asked to stop"):
            check_stop()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), sig)
    assert signal.getsignal(sig) is before  # the previous handler is back


def test_a_governed_call_after_a_stop_request_is_never_made(tmp_path):
    from cert_core.config import load_config
    from cert_core.governance import EnergyGovernanceController
    from cert_core.llm.governed import GovernedLLM
    from cert_core.safety.breakers import BreakerRegistry

    config = load_config()
    calls = []
    controller = EnergyGovernanceController.from_config(config.energy_governance, f"sqlite:///{tmp_path / 'l.db'}")
    backend = type("Backend", (), {"backend_name": "fake", "model_id": "fake", "price": lambda self, i, o: 0.0,
                                   "complete": lambda self, *a, **k: calls.append(a)})()
    llm = GovernedLLM(backend, controller, BreakerRegistry.from_config(config.circuit_breakers).get("fusion_primary"))
    with stop_on_signals():
        os.kill(os.getpid(), signal.SIGTERM)
    with pytest.raises(StopRequested):
        llm.complete("hello", operation_id="op-1", max_tokens=5, temperature=0)
    assert calls == [] and controller.ledger.reservation("op-1") is None  # no call, no hold
    controller.close()
