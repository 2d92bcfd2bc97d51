"""General English text that is on every machine that has Python: the standard library's own docs.

Sources (all permissive licences that allow derived works):
- CPython 3.11 standard library: the docstrings of the CPython 3.11 standard library modules (Lib/**/*.py, without the test
suites, idlelib and lib2to3) and the pydoc topic index (Lib/pydoc_data/topics.py, the language
reference's text). Licence: Python Software Foundation License Version 2 (PSF-2.0).
- The docstrings of nine packages the project installs, at the versions pip resolves for
  pyproject.toml: SQLAlchemy (MIT), pandas, SciPy, NumPy, scikit-learn, NetworkX, SymPy and PyTorch
  (BSD-3-Clause each), and Transformers (Apache-2.0).
Only prose paragraphs are kept: code examples, tables and
markup-heavy lines are dropped. The result depends on the Python and package versions.
"""

from __future__ import annotations

import ast
import re
import sysconfig
from pathlib import Path

__all__ = ["english_paragraphs"]

_SKIP_PARTS = {"test", "tests", "idlelib", "lib2to3", "site-packages", "dist-packages", "turtledemo", "__pycache__"}
_MARKUP = re.compile(r"[*_|<>{}\[\]=\\@#$%^~]|::|\w\.\w|\w+\(")
_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")  # reST roles such as :func:`len` keep their text
_OK_CHARS = set(" .,;:'\"()-?!")


def _prose(paragraph: str) -> str | None:
    lines = [line.strip() for line in paragraph.splitlines()]
    if any(line.startswith((">>>", "...", "$", "#", "+-", "==", "--")) for line in lines):
        return None
    text = " ".join(line for line in lines if line)
    text = _ROLE.sub(r"\1", text).replace("``", "").replace("`", "")
    words = text.split()
    if len(words) < 8:
        return None
    plain = sum(ch.isalnum() or ch in _OK_CHARS for ch in text)
    if plain / len(text) < 0.97 or len(_MARKUP.findall(text)) > len(words) // 15:
        return None
    return text


def _docstrings(root: Path):
    for path in sorted(root.rglob("*.py")):
        if _SKIP_PARTS & set(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node)
                if doc:
                    yield doc


PACKAGES = ("sqlalchemy", "pandas", "scipy", "numpy", "sklearn", "networkx", "sympy", "transformers", "torch")


def english_paragraphs() -> list[str]:
    """Prose paragraphs, in a fixed order, without duplicates."""
    import importlib.util

    import pydoc_data.topics

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = [*_docstrings(stdlib), *(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))]
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            sources.extend(_docstrings(Path(spec.origin).parent))
    seen: set[str] = set()
    out = []
    for doc in sources:
        for paragraph in re.split(r"\n\s*\n", doc):
            text = _prose(paragraph)
            if text and text not in seen:
                seen.add(text)
                out.append(text)
    return out


if __name__ == "__main__":
    paragraphs = english_paragraphs()
    print(len(paragraphs), "paragraphs,", sum(len(p) for p in paragraphs), "characters")
    for p in paragraphs[:: max(1, len(paragraphs) // 8)]:
        print("-", p[:160])
