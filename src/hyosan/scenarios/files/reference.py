"""The scenario-file schema as a reference a person reads (``hyosan schema --markdown``).

One section per table of the file, headed by where it goes (``[world.grid]``,
``[[interventions]] kind = "cull"``), then one line per key: its name, its form and its
description. Everything comes from the JSON Schema, so the reference cannot drift from it.
"""

from __future__ import annotations

import json
from typing import Any

from hyosan.scenarios.files.schema import schema


def schema_markdown(document: dict[str, Any] | None = None) -> str:
    """Markdown of a JSON Schema of scenario files (by default, the current one)."""
    document = schema() if document is None else document
    definitions = document.get("$defs", {})
    paths: dict[str, str] = {}
    _find_tables("", document, definitions, paths)
    headings = {name: _heading(path, definitions[name]) for name, path in paths.items()}
    lines = [f"# {document.get('title', 'scenario file')}", ""]
    lines += _section("top level", document, headings)
    for name, heading in headings.items():
        lines += _section(heading, definitions[name], headings)
    return "\n".join(lines).rstrip() + "\n"


def _section(heading: str, table: dict[str, Any], headings: dict[str, str]) -> list[str]:
    lines = [f"## `{heading}`", ""]
    if table.get("description"):
        lines += [table["description"].replace("``", "`"), ""]
    required = set(table.get("required", ()))
    for key, prop in table.get("properties", {}).items():
        form = _form(prop, headings) + (", required" if key in required else "")
        text = prop.get("description", "").replace("``", "`")
        lines.append(f"- **{key}** ({form}): {text}")
    return [*lines, ""]


def _find_tables(
    prefix: str, table: dict[str, Any], definitions: dict[str, Any], paths: dict[str, str]
) -> None:
    """Each definition's key path in a file, in the order of the document's keys; a key's own
    tables (the kinds of interventions) come together, before the tables inside them."""
    for key, prop in table.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        new = [(name, many) for name, many in dict(_refs(prop)).items() if name not in paths]
        for name, many in new:
            paths[name] = f"[[{path}]]" if many else f"[{path}]"
        for name, _ in new:
            _find_tables(path, definitions[name], definitions, paths)


def _heading(path: str, table: dict[str, Any]) -> str:
    kind = table.get("properties", {}).get("kind", {}).get("const")
    return path if kind is None else f'{path} kind = "{kind}"'


def _refs(prop: Any, many: bool = False) -> list[tuple[str, bool]]:
    """(definition name, inside a list) of every $ref in a property's schema."""
    if isinstance(prop, list):
        return [ref for item in prop for ref in _refs(item, many)]
    if not isinstance(prop, dict):
        return []
    found = [(prop["$ref"].rsplit("/", 1)[-1], many)] if "$ref" in prop else []
    for key, value in prop.items():
        if key not in ("$ref", "discriminator"):
            found += _refs(value, many or key == "items")
    return found


def _form(prop: dict[str, Any], headings: dict[str, str]) -> str:
    """A short form of a value: 'text', 'number or text', 'list of text', a table's path."""
    if "$ref" in prop:
        return headings.get(prop["$ref"].rsplit("/", 1)[-1], "table").split(" kind = ")[0]
    if "const" in prop:
        return json.dumps(prop["const"])
    if "enum" in prop:
        return " | ".join(json.dumps(v) for v in prop["enum"])
    choices = prop.get("anyOf") or prop.get("oneOf")
    if choices:
        forms = [_form(c, headings) for c in choices if c.get("type") != "null"]
        return " or ".join(dict.fromkeys(forms))
    kind = prop.get("type")
    if kind == "array" and "prefixItems" in prop:
        return "[" + ", ".join(_form(p, headings) for p in prop["prefixItems"]) + "]"
    if kind == "array":
        return "list of " + _form(prop.get("items", {}), headings)
    if kind == "object":
        values = prop.get("additionalProperties")
        return "table" + (f" of {_form(values, headings)}" if isinstance(values, dict) else "")
    names = {"string": "text", "integer": "whole number", "boolean": "true or false"}
    return names.get(kind, kind or "any")
