from __future__ import annotations

import pytest

from cert_core.config import load_config
from cert_core.errors import InvalidInputError, ResourceLoadError
from cert_core.routing import RuntimeRouter, load_overlay, parse_overlay

SEED_EXAMPLE = {
    "id": "financial_refund_001",
    "category": "financial_operations",
    "complexity": 0.8,
    "description": "Customer refund processing with rollback requirements",
    "context": "Need to handle payment reversals and transaction rollbacks",
    "prompt": "Process a $2,500 refund for order #12345 with full transaction history",
}


@pytest.fixture(scope="module")
def router(config_dir):
    return RuntimeRouter.from_config(load_config(config_dir, "production"))


def test_seed_example_routes_to_rollback_first_with_hand_computed_confidence(router):
    d = router.route_scenario(SEED_EXAMPLE)
    assert d.selected_overlay == "rollback_first"
    assert d.fallback_options == ["observability_first"]
    assert d.complexity_level == "high"
    # keywords hit: refund, rollback, reversal, transaction, payment -> 5/(5+2)
    # 0.5 * 1.0 (first candidate) + 0.3 * 5/7 + 0.2 * 1.0 (prefers high)
    assert d.confidence == pytest.approx(round(0.5 + 0.3 * 5 / 7 + 0.2, 4))
    # observability_first: 0.5 * 0.8 + 0 keywords + 0.2 * 0 (low vs high)
    assert d.scores["observability_first"] == pytest.approx(0.4)
    assert "Selected 'rollback_first'" in d.reasoning and "high complexity level" in d.reasoning


def test_keywords_can_outweigh_category_position(router):
    d = router.route_scenario(
        {"id": "s1", "category": "compliance_management", "complexity": 0.9,
         "description": "rollback the refund transaction and restore the payment", "prompt": "undo the migration"}
    )
    # rollback_first is second for compliance (0.8) but has 7 keyword hits and prefers high
    assert d.selected_overlay == "rollback_first"
    assert d.fallback_options == ["observability_first"]


def test_keyword_prefixes_match_word_starts(router):
    d = router.route_scenario({"id": "s2", "category": "system_integration", "complexity": 0.5, "description": "compensation after failed payment"})
    assert "rollback_first=2" in d.reasoning  # compensat*, payment


def test_unicode_and_very_long_text_route_normally(router):
    long_text = "The workflow synchronises state between systems and each transition is idempotent. " * 2000
    d = router.route_scenario({"id": "ü-长", "category": "system_integration", "complexity": 0.6, "description": long_text + " 退款 💶"})
    assert d.selected_overlay == "state_model_first"
    assert 0.0 <= d.confidence <= 1.0


def test_unknown_category_is_a_typed_error(router):
    with pytest.raises(InvalidInputError, match="unknown category 'marketing'"):
        router.route_scenario({"id": "x", "category": "marketing", "complexity": 0.5})


@pytest.mark.parametrize("complexity", [-0.1, 1.01, float("nan"), "0.5", True, None])
def test_complexity_outside_unit_interval_is_a_typed_error(router, complexity):
    with pytest.raises(InvalidInputError, match="complexity must be a number in"):
        router.route_scenario({"id": "x", "category": "financial_operations", "complexity": complexity})


def test_missing_id_is_a_typed_error(router):
    with pytest.raises(InvalidInputError, match="missing id"):
        router.route_scenario({"category": "financial_operations", "complexity": 0.5})


def test_apply_overlay_appends_rendered_directives(router):
    out = router.apply_overlay("Analyze this payment scenario.", "rollback_first")
    assert out.startswith("Analyze this payment scenario.\n\n## Operating overlay: rollback_first")
    assert "- PRIORITY: Define the rollback path before the forward path" in out
    assert len(out) > len("Analyze this payment scenario.") + 200


@pytest.mark.parametrize("name", ["../x", "rollback_first/../../etc/passwd", "/abs", "missing_overlay"])
def test_apply_overlay_rejects_unknown_and_path_like_names(router, name):
    with pytest.raises(InvalidInputError):
        router.apply_overlay("prompt", name)


def test_load_overlay_rejects_path_parts_before_touching_disk(config_dir):
    with pytest.raises(InvalidInputError, match="no path parts"):
        load_overlay(config_dir / "micro_overlays", "../x")


def test_missing_overlay_file_names_where_it_looked(tmp_path):
    with pytest.raises(ResourceLoadError, match=str(tmp_path / "ghost.txt")):
        load_overlay(tmp_path, "ghost")


def test_non_utf8_overlay_is_a_resource_error(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"# bad\n\xff\n")
    with pytest.raises(ResourceLoadError, match="not valid UTF-8"):
        load_overlay(tmp_path, "bad")


def test_overlay_parsing_extracts_each_section(config_dir):
    o = load_overlay(config_dir / "micro_overlays", "state_model_first")
    assert set(o.directives) == {"PRIORITY", "CONSISTENCY", "CONCURRENCY"}
    assert list(o.patterns) == ["state_machine", "synchronisation"]
    assert len(o.patterns["state_machine"]) == 2
    assert o.tone_adjustments["style"] == "structured and formal"
    assert len(o.quality_gates) == 3
    assert o.file_size and o.last_modified


def test_parse_overlay_ignores_unknown_sections():
    o = parse_overlay("x", "# x\n## Notes\n- not a directive\n## Directives\n- A: b\n")
    assert o.directives == {"A": "b"} and o.quality_gates == []
