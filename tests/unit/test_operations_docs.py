"""Every command in README.md and docs/operations/ parses against the real CLIs.

`cert` lines go through click's own parser, `prefect` lines through Prefect's cyclopts app (unknown
commands, options or bad values fail), `promtool` lines run, `python -c` snippets compile, and every
repo path they name exists. The operator path itself runs for real in
tests/integration/test_deployment_worker.py.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path

import click
import pytest

from cert_cli.main import cli
from cert_core.paths import PROJECT_ROOT

DOCS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs" / "operations").glob("*.md"))]
PLACEHOLDERS = {"ID": str(uuid.uuid4()), "GOOD.jsonl": "data/trajectories/chains.jsonl", "PATH": "data/scenarios/sample.jsonl"}
SESSION_FLAGS = {"--no-prompt", "--prompt"}
SHELL_TOOLS = {"docker", "kubectl", "openssl", "mkdir", "printf", "export", "cd", "make"}


def _commands() -> list[tuple[str, list[str]]]:
    """(where, tokens) for each command of every bash block and inline `cert|prefect|promtool ...` span."""
    found: list[tuple[str, list[str]]] = []
    for doc in DOCS:
        text = doc.read_text()
        lines = [ln for block in re.findall(r"```bash\n(.*?)```", text, re.S) for ln in block.splitlines()]
        if doc.name != "README.md":  # README's command table uses [optional] syntax, not commands
            lines += re.findall(r"(?<!`)`((?:cert|prefect|promtool) [^`]+)`(?!`)",
                                re.sub(r"```.*?```", "", text, flags=re.S))
        for line in lines:
            tokens = shlex.split(line, comments=True)
            while tokens:  # `a && b` is two commands
                cut = tokens.index("&&") if "&&" in tokens else len(tokens)
                found.append((f"{doc.name}: {line.strip()}", tokens[:cut]))
                tokens = tokens[cut + 1:]
    return found


COMMANDS = _commands()


def _by_tool(tool: str) -> list:
    return [pytest.param(tokens, id=where[:90]) for where, tokens in COMMANDS if tokens[0] == tool]


def _fill(tokens: list[str]) -> list[str]:
    return [PLACEHOLDERS.get(t, t) for t in tokens]


def test_the_docs_show_the_operator_path():
    shown = {" ".join(t[:3]) for _, t in COMMANDS}
    for expected in ("prefect server start", "prefect work-pool create", "prefect deploy --prefect-file",
                     "prefect worker start", "prefect deployment run", "cert serve", "cert metrics serve"):
        assert any(s.startswith(expected) for s in shown), expected
    assert any(t[:3] == ["prefect", "deployment", "run"] and "deep=true" in t for _, t in COMMANDS)


@pytest.mark.parametrize("tokens", _by_tool("cert"))
def test_cert_commands_parse(tokens):
    args = _fill(tokens[1:])
    ctx = cli.make_context("cert", list(args), resilient_parsing=False)
    command: click.Command = cli
    while isinstance(command, click.Group) and (rest := [*ctx._protected_args, *ctx.args]):  # click 8.2: unparsed
        name, command, rest = command.resolve_command(ctx, rest)
        ctx = command.make_context(name, rest, parent=ctx)


@pytest.mark.parametrize("tokens", _by_tool("prefect"))
def test_prefect_commands_parse(tokens):
    from prefect.cli._app import _app

    args = [t for t in _fill(tokens[1:]) if t not in SESSION_FLAGS]
    command, _, _ = _app.parse_args(args, exit_on_error=False, print_error=False)
    assert callable(command)


@pytest.mark.parametrize("tokens", _by_tool("promtool"))
def test_promtool_commands_succeed(tokens):
    if shutil.which("promtool") is None:
        pytest.skip("promtool not on PATH (Debian package prometheus)")
    out = subprocess.run(tokens, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("tokens", _by_tool("python"))
def test_python_snippets_compile_and_scripts_exist(tokens):
    if tokens[1] == "-c":
        compile(tokens[2], "<docs>", "exec")
    else:
        assert (PROJECT_ROOT / tokens[1]).is_file(), tokens


def test_other_commands_are_known_tools_and_name_real_paths():
    for where, tokens in COMMANDS:
        if tokens[0] in ("cert", "prefect", "promtool", "python"):
            continue
        assert tokens[0] in SHELL_TOOLS, where
        for token in tokens:
            for path in re.findall(r"(?:^|[=:])((?:deployments|docs|configs|data)/[\w./-]+)", token):
                if "secrets" not in path:  # created by the operator, git-ignored
                    assert (PROJECT_ROOT / path).exists(), (where, path)


def test_the_tripwire_reset_command_runs(tmp_path):
    assert any(t[:3] == ["cert", "tripwire", "reset"] for _, t in COMMANDS)
    import sys

    out = subprocess.run([sys.executable, "-m", "cert_cli.main", "tripwire", "reset"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "CERT_STATE_DIR": str(tmp_path), "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "no downgrade was active" in out.stdout, out.stdout  # a fresh state dir: nothing to lift
