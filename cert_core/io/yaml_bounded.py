"""The one YAML loader: size-limited, alias expansion bounded, every failure a typed error.

A "billion laughs" file is a few hundred bytes whose aliases expand to billions of nodes. PyYAML
shares an aliased node instead of copying it, so the blow-up comes later, when something walks the
result. Here the composed node graph is measured first (aliases counted, expanded size summed with
a memo, so measuring costs the unexpanded size) and refused before anything is constructed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidInputError

__all__ = ["YamlLimitError", "load_yaml_file", "load_yaml_text"]


class YamlLimitError(InvalidInputError):
    """A YAML document is too big, too deep, or expands too much."""


class _CountingLoader(yaml.SafeLoader):
    max_aliases = 0

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise YamlLimitError(
                    f"more than {self.max_aliases} YAML aliases (*name); expanding them could use unbounded "
                    "memory (a 'billion laughs' file); write the values out, or raise input_limits.max_yaml_aliases"
                )
        return super().compose_node(parent, index)


def _expanded_size(root: yaml.Node, max_nodes: int) -> int:
    """Nodes in the document with every alias expanded; refuses cycles and anything over max_nodes."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative post-order walk: a deep document must not hit Python's recursion limit here
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            if isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = node.value
            else:
                children = []
            total = 1 + sum(sizes[id(c)] for c in children)
            if total > max_nodes:
                raise YamlLimitError(
                    f"the YAML document expands to more than {max_nodes} nodes (aliases repeat their anchors, as in "
                    "a 'billion laughs' file); refused to keep memory bounded; write the values out, use JSONL, "
                    "or raise input_limits.max_yaml_nodes"
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlLimitError("the YAML document refers to itself through an alias (a recursive anchor); remove it")
        on_path.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            stack.extend((n, False) for pair in node.value for n in pair if id(n) not in sizes)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((n, False) for n in node.value if id(n) not in sizes)
    return sizes[id(root)]


def load_yaml_text(text: str, *, max_aliases: int, max_nodes: int, source: str = "YAML") -> Any:
    """Parse one YAML document within the bounds. Errors are InvalidInputError (YamlLimitError for
    a bound) naming ``source`` and the fix."""
    loader_cls = type("_Bounded", (_CountingLoader,), {"max_aliases": max_aliases})
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, max_nodes)
        return loader.construct_document(node)
    except YamlLimitError as exc:
        raise YamlLimitError(f"{source}: {exc.message}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInputError(
            f"{source}: malformed YAML{where}: {problem}; fix the syntax (indentation, quotes, ':' after keys)"
        ) from exc
    except RecursionError as exc:
        raise YamlLimitError(f"{source}: the YAML is nested too deeply to parse; flatten it") from exc
    except (TypeError, ValueError) as exc:  # e.g. an unhashable mapping key, a bad timestamp
        raise InvalidInputError(f"{source}: YAML value cannot be used ({exc})"[:500]) from exc
    finally:
        loader.dispose()


def load_yaml_file(path: str | Path, *, max_bytes: int, max_aliases: int, max_nodes: int) -> Any:
    """Read and parse a YAML file, refusing one over ``max_bytes`` before reading it."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InvalidInputError(f"{path} cannot be read ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise YamlLimitError(
            f"{path} is larger than {max_bytes} bytes (input_limits.max_yaml_bytes); YAML is read whole, so "
            "big inputs must be JSONL or Parquet (read in bounded pieces)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    return load_yaml_text(text, max_aliases=max_aliases, max_nodes=max_nodes, source=str(path))
