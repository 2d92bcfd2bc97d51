"""The one-regex file selection agrees with the rules applied one by one."""

from __future__ import annotations

import itertools

import pytest

from cert_core.config.drift_policy import FileMonitoring
from cert_core.drift.selection import FileSelector

PATHS = [
    "cert_core/a.py", "cert_core/pkg/b.py", "cert_core/__pycache__/a.cpython-311.pyc", "cert_core/__pycache__/x.py",
    "cert_core/pkg/run.log", "cert_core/pkg/notes.txt", "configs/fusion/llm.yaml", "configs/a/b/c.yaml",
    "configs/fusion/micro_overlays/x.txt", "configs/fusion/micro_overlays/deep/x.txt", "flows/f.py", "flows/.hidden.py",
    "tripwire_state.json", "tasks/t.pyc", "tasks/sub/t.py", "a.py", "cert_core/py", "cert_core/x.pyx",
]
RULE_SETS = [
    ([], []),
    (["*.py", "*.yaml"], ["*.pyc", "__pycache__/**", "*.log"]),
    (["*.py", "*.txt"], ["micro_overlays/deep/**", ".*"]),
    ([], ["*.yaml", "pkg/**"]),
    (["*.p?"], ["t.*"]),
]


def _monitoring(include: list[str], exclude: list[str]) -> FileMonitoring:
    return FileMonitoring.model_validate({
        "watch_patterns": ["configs/**/*.yaml", "configs/fusion/micro_overlays/*.txt", "cert_core/**/*.py",
                           "cert_core/**", "flows/*.py", "tasks/**/*", "{state_dir}/tripwire_state.json", "*.py"],
        "inclusion_rules": [{"pattern": p} for p in include],
        "exclusion_rules": [{"pattern": p} for p in exclude]})


@pytest.mark.parametrize(("include", "exclude"), RULE_SETS)
def test_one_match_per_file_agrees_with_the_rules_one_by_one(include, exclude):
    selector = FileSelector(_monitoring(include, exclude))
    assert selector._one_match is not None  # no path inclusion rule: the fast form is in use
    decisions = {(root.pattern, path): selector.selected(root, path)
                 for root, path in itertools.product(selector.roots, PATHS)}
    assert decisions == {(root.pattern, path): selector.selected_by_rules(root, path)
                         for root, path in itertools.product(selector.roots, PATHS)}
    assert any(decisions.values()) and not all(decisions.values())


def test_a_path_inclusion_rule_can_rescue_a_name_the_other_rules_refuse():
    selector = FileSelector(_monitoring(["*.py", "micro_overlays/*.txt"], ["*.log"]))
    assert selector._one_match is None
    (overlays,) = [r for r in selector.roots if r.pattern == "configs/fusion/micro_overlays/*.txt"]
    assert selector.selected(overlays, "configs/fusion/micro_overlays/x.txt")
    assert not selector.selected(overlays, "configs/fusion/micro_overlays/x.log")
