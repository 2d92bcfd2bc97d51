"""The one scrub: no fragment of 8+ characters of a key survives, wherever it sits in the text."""

from __future__ import annotations

import logging

import pytest

from cert_core.errors import LLMError
from cert_core.secrets import MIN_FRAGMENT, ScrubFilter, scrub, scrub_value

KEY = "sk-ant-api03-Zq7Xw2Lp9Rt4Vn6Bm1Kc8Hs3Dj5Fg0AyUe7Io2Pa9Sd4Fh6Jk1Lz3Xc8Vb5Nm0Qw7Er2Ty9Ui4Op6As1Df3Gh8Jk5Lq0Wm9"


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)


def leaked(text: str) -> list[str]:
    return [KEY[i:i + MIN_FRAGMENT] for i in range(len(KEY) - MIN_FRAGMENT + 1) if KEY[i:i + MIN_FRAGMENT] in text]


@pytest.mark.parametrize("offset", [0, 230, 296, 450])
def test_the_key_at_any_offset_then_cut_leaves_no_fragment(offset):
    text = "." * offset + KEY + "." * 100
    assert leaked(scrub(text)[:300]) == []
    assert scrub(text) == "." * offset + "***" + "." * 100


def test_fragments_of_eight_or_more_are_masked_and_shorter_ones_kept():
    text = f"a {KEY[10:18]} b {KEY[40:75]} c {KEY[:7]} d {KEY[-7:]}"
    assert scrub(text) == f"a *** b *** c {KEY[:7]} d {KEY[-7:]}"


def test_an_explicit_secret_is_scrubbed_without_the_environment(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert scrub("x" + "secret-value-123" + "y", "secret-value-123") == "x***y"
    assert scrub("nothing to hide") == "nothing to hide"


def test_error_messages_context_rows_and_log_records_are_scrubbed():
    error = LLMError(f"server said {KEY[5:60]}", context={"body": KEY})
    assert leaked(error.message) == [] and leaked(str(error)) == [] and error.context == {"body": "***"}
    assert scrub_value({"a": [KEY, 1], "b": (KEY[3:20],)}) == {"a": ["***", 1], "b": ("***",)}
    record = logging.LogRecord("cert", logging.INFO, __file__, 1, "got %s", (KEY[20:50],), None)
    ScrubFilter().filter(record)
    assert record.getMessage() == "got ***"


def test_every_dataset_write_scrubs_string_cells_routing_included(tmp_path):
    from datetime import UTC, datetime

    from cert_core.io import RunDatasets, read_dataset

    reasoning = f"echoed {KEY[10:40]} by the server"
    with RunDatasets(tmp_path, "run-1", ["routing_decisions"]) as datasets:
        datasets["routing_decisions"].write([{
            "scenario_id": "s1", "category": "financial_operations", "complexity": 0.5, "complexity_level": "medium",
            "selected_overlay": "rollback_first", "confidence": 0.9, "reasoning": reasoning,
            "fallback_options": [KEY[:20]], "run_id": "run-1", "flow_run_id": "run-1", "config_version": "v",
            "routed_at": datetime(2026, 1, 1, tzinfo=UTC)}])
        datasets.publish()
    table = read_dataset("routing_decisions", tmp_path).to_pylist()
    assert table[0]["reasoning"] == "echoed *** by the server"
    assert table[0]["fallback_options"] == ["***"]
    assert leaked(repr(table)) == []
