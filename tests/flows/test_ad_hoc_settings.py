"""Flows run by the `cert` command skip flow-run heartbeats unless the person asked for them."""

from __future__ import annotations

from prefect import flow
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings, temporary_settings

from cert_cli._common import run_flow


@flow
def heartbeat_probe() -> int | None:
    """The setting Prefect's flow engine read for this run (the same settings context)."""
    return get_current_settings().flows.heartbeat_frequency


def test_an_ad_hoc_run_sends_no_heartbeats():
    assert get_current_settings().flows.heartbeat_frequency == 180  # Prefect's default outside the command
    assert run_flow(f"{__name__}:heartbeat_probe") is None
    assert heartbeat_probe() == 180  # a flow called directly keeps Prefect's default


def test_a_heartbeat_frequency_that_was_set_is_kept():
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 60}):
        assert run_flow(f"{__name__}:heartbeat_probe") == 60
