"""Reading scenario documents: TOML or YAML text into a mapping, and ``--set key=value`` overrides.

Nothing here knows what the keys mean; `schema` checks them and `building` uses them.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from hyosan.errors import HyosanError, key_path
from hyosan.limits import MAX_YAML_NODES


def read_document(path: str | Path) -> tuple[dict[str, Any], str, str]:
    """Parse a TOML or YAML file: (document, text, format)."""
    path = Path(path)
    where = f"scenario file {str(path)!r}"
    if not path.is_file():
        raise HyosanError(f"{where} does not exist")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise HyosanError(f"expected a .toml, .yaml or .yml file, got {suffix!r}", source=where)
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as error:
        raise HyosanError(f"not a TOML or YAML text file ({error})", source=where) from None
    fmt = "toml" if suffix == ".toml" else "yaml"
    return parse_text(text, fmt, where), text, fmt


def parse_text(text: str, fmt: str, where: str = "scenario") -> dict[str, Any]:
    """Parse TOML or YAML text into a document (a mapping)."""
    if fmt == "toml":
        try:
            document: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise HyosanError(f"not valid TOML: {error}", source=where) from None
    elif fmt == "yaml":
        import yaml

        try:
            document = _safe_yaml(text, where)
        except yaml.YAMLError as error:
            raise HyosanError(f"not valid YAML: {error}", source=where) from None
        document = {} if document is None else document
    else:
        raise HyosanError(f"unknown format {fmt!r}; expected 'toml' or 'yaml'", source=where)
    if not isinstance(document, dict):
        raise HyosanError(
            f"expected a table of keys (world, model, run, ...), got {type(document).__name__}",
            source=where,
        )
    return document


def _safe_yaml(text: str, where: str) -> Any:
    """``yaml.safe_load``, refusing a document whose aliases expand to more than
    ``MAX_YAML_NODES`` nodes (a 'billion laughs' of a few hundred bytes) or refer to themselves:
    the composed graph is measured, its shared nodes counted once per use, before any Python
    object is made from it."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, where)
        if size > MAX_YAML_NODES:
            raise HyosanError(
                f"its aliases (*name) expand to more than {MAX_YAML_NODES:,} values "
                "(hyosan.limits.MAX_YAML_NODES); write the values out, or use TOML",
                source=where,
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: Any, where: str) -> int:
    """The number of nodes of a YAML node graph with every alias expanded (memoised, so a
    shared node costs one visit however often it is used)."""
    import yaml

    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = [c for pair in node.value for c in pair] if isinstance(
            node, yaml.MappingNode) else list(node.value)  # fmt: skip
        if done:
            open_nodes.discard(key)
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), MAX_YAML_NODES + 1)
            continue
        if key in open_nodes:
            raise HyosanError("an alias (*name) refers to a value that holds it", source=where)
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise HyosanError("an alias (*name) refers to a value that holds it", source=where)
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


# ------------------------------------------------------------------------------------------------
# --set key=value overrides.
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """'model.parameters.beta=0.1/hour' -> (['model', 'parameters', 'beta'], '0.1/hour').

    The value is read as TOML (numbers, booleans, lists, inline tables) or else kept as text.
    """
    where = f"--set {text!r}"
    if "=" not in text:
        raise HyosanError("expected key=value, e.g. run.runs=8", source=where)
    key, raw = text.split("=", 1)
    key = key.strip()
    parts: list[str | int] = []
    position = 0
    for match in _PATH_PART.finditer(key):
        if match.start() != position and key[position : match.start()] != ".":
            raise HyosanError(f"cannot read key {key!r}", source=where)
        position = match.end()
        name, index = match.groups()
        parts.append(int(index) if index is not None else int(name) if name.isdigit() else name)
    if not parts or position != len(key):
        raise HyosanError(f"cannot read key {key!r}", source=where)
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return parts, value


def apply_overrides(document: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """A copy of the document with each 'key=value' set (lists: an index, or one past the end)."""
    document = json.loads(json.dumps(document, default=_jsonable))
    for text in overrides:
        parts, value = parse_override(text)
        node: Any = document
        where = f"--set {text!r}"
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            here = key_path(parts[: depth + 1])
            if isinstance(part, int):
                if not isinstance(node, list):
                    raise HyosanError("not a list", key=here, source=where)
                if part > len(node):
                    raise HyosanError(
                        f"index {part} is past the end ({len(node)} items)", key=here, source=where
                    )
                if part == len(node):
                    node.append({})
            elif not isinstance(node, dict):
                raise HyosanError("not a table", key=here, source=where)
            if last:
                node[part] = value
            else:
                if isinstance(part, str) and not isinstance(node.get(part), (dict, list)):
                    following = parts[depth + 1]
                    if isinstance(following, int) and part not in node:
                        node[part] = []
                    elif part == "world" and isinstance(node.get(part), str):
                        node[part] = {"builtin": node[part]}
                    else:
                        node[part] = {}
                node = node[part]
    return document


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return str(value)
