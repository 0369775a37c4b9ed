"""The declared schemas of the dataset, and their problems in words a contributor understands.

``schema/*.schema.json`` (JSON Schema 2020-12, checked with ``jsonschema``) declare the shape of each
kind of file; ``schema/appraisal_tools.yaml`` lists the items of each risk-of-bias tool.
:func:`schema_problems` turns ``jsonschema``'s errors into ``file:line: field: message`` problems.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from importlib import resources
from typing import Any

import jsonschema
import referencing
import yaml
from jsonschema.exceptions import best_match

from figures.yaml_lines import Document, Problems

SCHEMAS = ("codes", "study", "tumours", "facts", "screening-round", "searches", "grade", "pools", "management")


@functools.cache
def appraisal_tools() -> dict[str, dict]:
    """The risk-of-bias tools (``schema/appraisal_tools.yaml``): name, designs, items (id, label)."""
    text = (resources.files("figures") / "schema" / "appraisal_tools.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def tool_for_design(design: str) -> str | None:
    """The appraisal tool that fits a study design (None for an unknown design)."""
    return next((tool for tool, spec in appraisal_tools().items() if design in spec["designs"]), None)


def _schema(name: str) -> dict:
    return json.loads((resources.files("figures") / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))


# The one citation-key pattern (``codes.schema.json``), for the code that puts a key in a file name
# or in markup; with the schema's words for a key that does not match.
_CITATION_KEY_DEF = _schema("codes")["$defs"]["citation_key"]
CITATION_KEY = re.compile(_CITATION_KEY_DEF["pattern"])
CITATION_KEY_RULE = _CITATION_KEY_DEF["x-message"]


@functools.cache
def validators() -> dict[str, jsonschema.protocols.Validator]:
    schemas = {name: _schema(name) for name in SCHEMAS}
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema)) for schema in schemas.values()
    )
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return {
        name: jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)
        for name, schema in schemas.items()
        if name != "codes"
    }


def _describe(value: Any) -> str:
    kinds = {
        bool: "true/false",
        int: "a whole number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }
    if value is None:
        return "nothing (null)"
    return f"{kinds.get(type(value), type(value).__name__)} ({json.dumps(value, default=str)[:60]})"


_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "a mapping (field: value)",
    "boolean": "true or false",
    "null": "null",
}


def schema_problems(doc: Document, validator, problems: Problems) -> None:
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]):
        if (
            err.validator in {"oneOf", "anyOf"}
            and err.context
            and all(e.validator in {"enum", "const"} for e in err.context)
        ):
            # a code from one of several lists (a tumour code or 'general'): name every allowed code
            allowed = [
                v for e in err.context for v in (e.validator_value if e.validator == "enum" else [e.validator_value])
            ]
            known = ", ".join(str(v) for v in dict.fromkeys(allowed) if v is not None)
            path = tuple(err.absolute_path)
            said = (
                "empty (null): choose one of"
                if err.instance is None
                else f"{json.dumps(err.instance, default=str)} is not a known code (known:"
            )
            problems.add(doc.name, doc.line(path), path, f"{said} {known}" + ("" if err.instance is None else ")"))
            continue
        while err.validator in {"oneOf", "anyOf"} and err.context:
            err = best_match(err.context)
        path = tuple(err.absolute_path)
        if err.validator == "required":
            name = re.match(r"'(.+)' is a required property", err.message)
            missing = name.group(1) if name else "?"
            problems.add(
                doc.name,
                doc.line(path),
                path + (missing,),
                "missing (a required field; write null when the source does not report it)",
            )
        elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = sorted(err.schema.get("properties", {}))
            for key in sorted(set(err.instance) - set(allowed)):
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
                problems.add(doc.name, doc.line(path + (key,)), path + (key,), f"unknown field{hint}")
        elif err.validator == "enum":
            known = ", ".join(str(v) for v in err.validator_value if v is not None)
            if err.instance is None:
                problems.add(doc.name, doc.line(path), path, f"empty (null): choose one of {known}")
            else:
                problems.add(
                    doc.name,
                    doc.line(path),
                    path,
                    f"{json.dumps(err.instance, default=str)} is not a known code (known: {known})",
                )
        elif err.validator == "type":
            wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
            words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
            if err.instance is None:
                problems.add(doc.name, doc.line(path), path, f"empty (null): expected {words}")
            else:
                problems.add(doc.name, doc.line(path), path, f"expected {words}, got {_describe(err.instance)}")
        elif "x-message" in err.schema:
            problems.add(
                doc.name, doc.line(path), path, f"{json.dumps(err.instance, default=str)} {err.schema['x-message']}"
            )
        else:
            problems.add(doc.name, doc.line(path), path, err.message)
