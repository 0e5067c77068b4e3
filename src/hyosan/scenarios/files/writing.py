"""A scenario document as TOML text: the few shapes scenario documents use, nothing more (the
web page's downloads, a sweep's ``--set`` values).

Scalars at the top, then tables (``[world]``, ``[run]``, nested ``[world.options]``), then arrays
of tables (``[[outbreak]]``, ``[[interventions]]``). Floats are written with ``repr`` so they read
back to the same number, which exact replay needs.
"""

from __future__ import annotations

import json
import math
from typing import Any


def toml_value(value: Any) -> str:
    """One value as TOML (as ``--set`` reads it back); a ValueError for what TOML cannot hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} in TOML")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise ValueError(f"cannot write {value!r} in TOML")


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _table(lines: list[str], name: str, table: dict[str, Any]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    lines.append(f"[{name}]")
    lines.extend(f"{_key(k)} = {toml_value(v)}" for k, v in scalars.items())
    for k, v in table.items():
        if isinstance(v, dict):
            _table(lines, f"{name}.{_key(k)}", v)


def to_toml(document: dict[str, Any], header: str = "") -> str:
    """TOML text of a scenario document."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    if lines:
        lines.append("")
    is_tables = lambda v: isinstance(v, list) and v and all(isinstance(i, dict) for i in v)  # noqa: E731
    for k, v in document.items():
        if not isinstance(v, dict) and not is_tables(v):
            lines.append(f"{_key(k)} = {toml_value(v)}")
    for k, v in document.items():
        if isinstance(v, dict):
            lines.append("")
            _table(lines, _key(k), v)
    for k, v in document.items():
        if is_tables(v):
            for item in v:
                lines.append("")
                lines.append(f"[[{_key(k)}]]")
                lines.extend(f"{_key(a)} = {toml_value(b)}" for a, b in item.items())
    return "\n".join(lines) + "\n"
