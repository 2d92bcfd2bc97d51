"""cert_core must stay importable without Prefect, and tasks/flows must not leak into it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("prefect", "prefect_dask", "tasks", "flows", "cert_cli")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_cert_core_sources_never_import_prefect_tasks_or_flows(repo_root):
    offenders = {
        str(p.relative_to(repo_root)): sorted(_imports(p) & set(FORBIDDEN))
        for p in (repo_root / "cert_core").rglob("*.py")
        if _imports(p) & set(FORBIDDEN)
    }
    assert offenders == {}


def test_importing_every_cert_core_module_loads_no_prefect(repo_root):
    modules = sorted(
        ".".join(p.relative_to(repo_root).with_suffix("").parts).removesuffix(".__init__")
        for p in (repo_root / "cert_core").rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'tasks', 'flows'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
