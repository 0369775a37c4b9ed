"""Validate the dataset: every problem as ``file:line: field: message``.

Three layers, all of which report every problem they find (never only the first):

1. YAML syntax, read with a line-tracking loader (PyYAML's composed nodes carry their marks), so
   that each value knows the line it was written on. Duplicate keys are problems (PyYAML would
   silently keep the last one).
2. The declared schemas (``figures/schema/*.schema.json``), checked with ``jsonschema``.
3. Cross-field rules that a schema cannot express: CI bounds around the estimate, events within the
   denominator, ages and counts in order, ids unique, every citation key present in
   ``data/references``, one study per citation key.

``validate_dataset(data_dir)`` returns the problems; :func:`load_checked` also returns the parsed
documents so that :mod:`figures.dataset` reads every file once.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import yaml
from jsonschema.exceptions import best_match

from figures import references, screening_log

SCHEMAS = ("codes", "study", "tumours", "facts", "screening-round", "searches")
MAX_VALUES = 100_000  # far above any real file; a YAML "billion laughs" expands beyond it
PERCENT = "percent"


# --- reading YAML with lines ------------------------------------------------------------------


_YAML_1_2_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _implicit_resolvers() -> dict:
    """PyYAML's implicit scalar types, with YAML 1.2 booleans and without dates.

    Dates stay text (the schema checks that they exist, which PyYAML's own date parsing does with a
    traceback), and only ``true``/``false`` are booleans, so that a country code ``NO`` stays Norway.
    """
    resolvers = {
        first: [(tag, regexp) for tag, regexp in items if tag not in {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}]
        for first, items in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for first in "tTfF":
        resolvers.setdefault(first, []).append(("tag:yaml.org,2002:bool", _YAML_1_2_BOOL))
    return resolvers


class _Loader(yaml.SafeLoader):
    """The pure-Python loader: its error messages are the same on every machine, and precise."""

    yaml_implicit_resolvers = _implicit_resolvers()


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's loader (about five times faster), for files that parse; same scalar types."""

    yaml_implicit_resolvers = _implicit_resolvers()


FieldPath = tuple  # a field's path: keys and list indexes, e.g. ("outcomes", 0, "ci", "low")


@dataclass
class Document:
    """One parsed YAML file with the line of every value."""

    name: str  # as shown in messages: data/studies/x.yaml
    data: Any = None
    parsed: bool = False  # False when the file is not valid YAML (or not text)
    values: int = 0  # values built so far, to stop alias bombs
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line(self, path: FieldPath) -> int:
        """The line of ``path``, or of its closest ancestor that exists (for a missing field)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class Problems(list):
    """Problems as (file, line, field, message), formatted at the end."""

    def add(self, doc_name: str, line: int, path: FieldPath | str, message: str) -> None:
        # One line per problem: parser messages may span lines.
        self.append((doc_name, line, path if isinstance(path, str) else field_name(path), " ".join(message.split())))


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def field_name(path: FieldPath) -> str:
    """``("outcomes", 0, "ci", "low")`` -> ``outcomes[0].ci.low``; the empty path is ``(file)``."""
    text = ""
    for part in path:
        if isinstance(part, int) or not _PLAIN_KEY.match(part):
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
        else:
            text += f".{part}" if text else part
    return text or "(file)"


class _YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def _build(loader: _Loader, node: yaml.Node, path: FieldPath, doc: Document, problems: Problems, ancestors: frozenset):
    """The Python value of ``node``, recording the line of every field on the way."""
    doc.values += 1
    if doc.values > MAX_VALUES:
        raise _YamlProblem(node.start_mark.line + 1, f"more than {MAX_VALUES} values (aliases repeated too often?)")
    if id(node) in ancestors:
        raise _YamlProblem(node.start_mark.line + 1, "an alias refers to itself (recursive structure)")
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<` merge keys, as PyYAML's constructor does
        result: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise _YamlProblem(key_node.start_mark.line + 1, "a key must be a plain word")
            key = str(key)
            line = key_node.start_mark.line + 1
            if key in result:
                problems.add(doc.name, line, path + (key,), f"duplicate key (first written on line {doc.lines[path + (key,)]})")
                continue
            doc.lines[path + (key,)] = line
            result[key] = _build(loader, value_node, path + (key,), doc, problems, ancestors | {id(node)})
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            doc.lines.setdefault(path + (index,), item.start_mark.line + 1)
            items.append(_build(loader, item, path + (index,), doc, problems, ancestors | {id(node)}))
        return items
    return loader.construct_object(node, deep=True)


def _parse(loader_class, text: str, doc: Document, problems: Problems) -> None:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.lines[()] = node.start_mark.line + 1
            doc.data = _build(loader, node, (), doc, problems, frozenset())
        doc.parsed = True
    finally:
        loader.dispose()


def read_yaml(path: Path, root: Path, problems: Problems) -> Document:
    """Parse ``path``; syntax errors become problems and leave ``parsed`` False.

    libyaml parses first, for speed; a file it rejects is parsed again by the pure-Python loader,
    whose error messages are precise and the same on every machine.
    """
    doc = Document(name=str(path.relative_to(root)))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        problems.add(doc.name, 1, "(file)", f"not UTF-8 text ({err.reason} at byte {err.start})")
        return doc
    return parse_text(text, doc, problems)


def parse_text(text: str, doc: Document, problems: Problems) -> Document:
    """Parse ``text`` as the YAML of ``doc`` (a document with only its name set), as :func:`read_yaml`."""
    fast_problems = Problems()
    try:
        _parse(_FastLoader, text, doc, fast_problems)
        problems.extend(fast_problems)
        return doc
    except (yaml.YAMLError, _YamlProblem, ValueError, TypeError, OverflowError, RecursionError):
        doc = Document(name=doc.name)
    try:
        _parse(_Loader, text, doc, problems)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        problems.add(doc.name, line, "(file)", f"not valid YAML: {err.problem or err.context}")
    except yaml.YAMLError as err:
        problems.add(doc.name, 1, "(file)", f"not valid YAML: {err}")
    except _YamlProblem as err:
        problems.add(doc.name, err.line, "(file)", f"not valid YAML: {err}")
    except (ValueError, TypeError, OverflowError) as err:  # a scalar PyYAML cannot construct
        problems.add(doc.name, 1, "(file)", f"not valid YAML: {err}")
    except RecursionError:
        problems.add(doc.name, 1, "(file)", "not valid YAML: nested too deeply")
    return doc


# --- schemas ----------------------------------------------------------------------------------


@functools.cache
def _validators() -> dict[str, jsonschema.protocols.Validator]:
    folder = resources.files("figures") / "schema"
    schemas = {name: json.loads((folder / f"{name}.schema.json").read_text(encoding="utf-8")) for name in SCHEMAS}
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema)) for schema in schemas.values()
    )
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return {
        name: jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)
        for name, schema in schemas.items()
        if name != "codes"
    }


def validator(kind: str) -> jsonschema.protocols.Validator:
    """The checker of one declared schema (``study``, ``tumours``, ``facts``, ``screening-round``)."""
    return _validators()[kind]


def _describe(value: Any) -> str:
    kinds = {bool: "true/false", int: "a whole number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    if value is None:
        return "nothing (null)"
    return f"{kinds.get(type(value), type(value).__name__)} ({json.dumps(value, default=str)[:60]})"


_TYPE_WORDS = {
    "integer": "a whole number", "number": "a number", "string": "text", "array": "a list",
    "object": "a mapping (field: value)", "boolean": "true or false", "null": "null",
}


def schema_problems(doc: Document, validator, problems: Problems) -> None:
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]):
        while err.validator in {"oneOf", "anyOf"} and err.context:
            err = best_match(err.context)
        path = tuple(err.absolute_path)
        if err.validator == "required":
            name = re.match(r"'(.+)' is a required property", err.message)
            missing = name.group(1) if name else "?"
            problems.add(doc.name, doc.line(path), path + (missing,), "missing (a required field; write null when the source does not report it)")
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
                problems.add(doc.name, doc.line(path), path, f"{json.dumps(err.instance, default=str)} is not a known code (known: {known})")
        elif err.validator == "type":
            wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
            words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
            if err.instance is None:
                problems.add(doc.name, doc.line(path), path, f"empty (null): expected {words}")
            else:
                problems.add(doc.name, doc.line(path), path, f"expected {words}, got {_describe(err.instance)}")
        elif "x-message" in err.schema:
            problems.add(doc.name, doc.line(path), path, f"{json.dumps(err.instance, default=str)} {err.schema['x-message']}")
        else:
            problems.add(doc.name, doc.line(path), path, err.message)


# --- cross-field rules ------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_order(doc: Document, problems: Problems, base: FieldPath, names: list[str], values: dict, what: str = "") -> None:
    """Report each pair of known values that is out of order (``names`` in increasing order)."""
    known = [(n, values.get(n)) for n in names if _number(values.get(n))]
    for (low_name, low), (high_name, high) in zip(known, known[1:]):
        if low > high:
            problems.add(doc.name, doc.line(base + (low_name,)), base + (low_name,), f"{low:g} is above the {what}{high_name.replace('_', ' ')} {high:g}")


def _check_study(doc: Document, stem: str, problems: Problems) -> None:
    study = doc.data
    if study.get("citation") != stem:
        problems.add(doc.name, doc.line(("citation",)), ("citation",), f"{json.dumps(study.get('citation'))} differs from the file name: the key must equal the file stem '{stem}'")
    population = study.get("population")
    if isinstance(population, dict):
        _in_order(doc, problems, ("population",), ["age_min", "age_median", "age_max"], population)
    n, n_liver = study.get("n_patients"), study.get("n_liver_metastases")
    if _number(n) and _number(n_liver) and n_liver > n:
        problems.add(doc.name, doc.line(("n_liver_metastases",)), ("n_liver_metastases",), f"{n_liver} is above n_patients {n}")
    recruitment = study.get("recruitment")
    if isinstance(recruitment, dict):
        start, end = recruitment.get("start"), recruitment.get("end")
        if _number(start) and _number(end) and start > end:
            problems.add(doc.name, doc.line(("recruitment", "start")), ("recruitment", "start"), f"{start} is after the end {end}")
    comparison_ids = _unique_ids(doc, problems, study.get("comparisons"), ("comparisons",))
    _unique_ids(doc, problems, study.get("outcomes"), ("outcomes",))
    recommendations = study.get("recommendations")
    _unique_ids(doc, problems, recommendations, ("recommendations",))
    for index, rule in enumerate(recommendations if isinstance(recommendations, list) else []):
        if isinstance(rule, dict) and isinstance(rule.get("size_mm"), dict):
            _check_ranges(doc, problems, ("recommendations", index, "size_mm"), rule["size_mm"], "min", "max")
    outcomes = study.get("outcomes")
    for index, outcome in enumerate(outcomes if isinstance(outcomes, list) else []):
        if isinstance(outcome, dict):
            _check_outcome(doc, ("outcomes", index), outcome, comparison_ids, problems)


def _unique_ids(doc: Document, problems: Problems, items: Any, base_path: FieldPath) -> set[str]:
    """The ``id`` fields of the list ``items`` (at ``base_path``), each duplicate reported."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            continue
        base = base_path + (index,)
        if ident in seen:
            problems.add(doc.name, doc.line(base + ("id",)), base + ("id",), f"duplicate id '{ident}' (also item {seen[ident]})")
        else:
            seen[ident] = index
    return set(seen)


def _check_outcome(doc: Document, base: FieldPath, outcome: dict, comparison_ids: set[str], problems: Problems) -> None:
    estimate, unit = outcome.get("estimate"), outcome.get("unit")
    ci = outcome.get("ci") if isinstance(outcome.get("ci"), dict) else {}
    events, denominator = outcome.get("events"), outcome.get("denominator")
    if unit == PERCENT:
        for path, value in [(base + ("estimate",), estimate), (base + ("ci", "low"), ci.get("low")), (base + ("ci", "high"), ci.get("high"))]:
            if _number(value) and not 0 <= value <= 100:
                problems.add(doc.name, doc.line(path), path, f"{value:g} is not a percentage (0-100)")
    low, high = ci.get("low"), ci.get("high")
    if _number(low) and _number(high) and low > high:
        problems.add(doc.name, doc.line(base + ("ci", "low")), base + ("ci", "low"), f"{low:g} is above the upper bound {high:g}")
    elif _number(estimate):
        if _number(low) and low > estimate:
            problems.add(doc.name, doc.line(base + ("ci", "low")), base + ("ci", "low"), f"{low:g} is above the estimate {estimate:g}")
        if _number(high) and high < estimate:
            problems.add(doc.name, doc.line(base + ("ci", "high")), base + ("ci", "high"), f"{high:g} is below the estimate {estimate:g}")
    if _number(events) and _number(denominator) and events > denominator:
        problems.add(doc.name, doc.line(base + ("events",)), base + ("events",), f"{events} is above the denominator {denominator}")
    if estimate is None and "estimate" in outcome and not (_number(events) and _number(denominator)):
        problems.add(doc.name, doc.line(base + ("estimate",)), base + ("estimate",), "null needs events and denominator (a figure the outcome can be computed from)")
    comparison = outcome.get("comparison")
    if isinstance(comparison, str) and comparison not in comparison_ids:
        known = ", ".join(sorted(comparison_ids)) or "none declared"
        problems.add(doc.name, doc.line(base + ("comparison",)), base + ("comparison",), f"'{comparison}' is not the id of one of the study's comparisons ({known})")


def _check_ranges(doc: Document, problems: Problems, base: FieldPath, item: dict, low_key: str, high_key: str) -> None:
    low, high = item.get(low_key), item.get(high_key)
    if _number(low) and _number(high) and low > high:
        problems.add(doc.name, doc.line(base + (low_key,)), base + (low_key,), f"{low:g} is above {high_key} {high:g}")


def _check_tumours(doc: Document, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for index, tumour in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(tumour, dict):
            continue
        code = tumour.get("code")
        if isinstance(code, str):
            if code in seen:
                problems.add(doc.name, doc.line((index, "code")), (index, "code"), f"duplicate tumour '{code}' (also item {seen[code]})")
            seen.setdefault(code, index)
        for key in ("metastatic_at_diagnosis", "hepatic_metastatic_disease"):
            if isinstance(tumour.get(key), dict):
                _check_ranges(doc, problems, (index, key), tumour[key], "low", "high")


def _check_facts(doc: Document, problems: Problems) -> None:
    _unique_ids(doc, problems, doc.data, ())
    for index, fact in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(fact, dict):
            continue
        _check_ranges(doc, problems, (index,), fact, "low", "high")
        if fact.get("unit") == PERCENT:
            for key in ("low", "high"):
                value = fact.get(key)
                if _number(value) and not 0 <= value <= 100:
                    problems.add(doc.name, doc.line((index, key)), (index, key), f"{value:g} is not a percentage (0-100)")


# --- the dataset ------------------------------------------------------------------------------


@dataclass
class Checked:
    """The parsed files of a dataset (only those that parsed) and every problem found."""

    studies: list[Document]
    tumours: Document | None
    facts: dict[str, Document]
    screening: list[Document]  # the rounds of the screening log (figures.screening_log)
    problems: list[str]


def _citations(doc: Document) -> list[tuple[FieldPath, str]]:
    """Every ``citation`` field of a document, with its path."""
    if isinstance(doc.data, dict):
        return [(("citation",), doc.data["citation"])] if isinstance(doc.data.get("citation"), str) else []
    if isinstance(doc.data, list):
        return [((i, "citation"), item["citation"]) for i, item in enumerate(doc.data) if isinstance(item, dict) and isinstance(item.get("citation"), str)]
    return []


def load_checked(data_dir: Path) -> Checked:
    """Read and check every file of ``data_dir``; problems sorted by file and line.

    A citation counts as present when its ``.bib`` file exists: a problem inside that file is
    reported there, not again at every file that cites it.
    """
    data_dir = Path(data_dir)
    root = data_dir.parent
    problems = Problems()
    validators = _validators()
    name = lambda p: str(p.relative_to(root))  # noqa: E731 - the display path, used often below

    if not data_dir.is_dir():
        return Checked([], None, {}, [], [f"{data_dir}:1: (file): the data folder is missing"])

    def schema_checked(path: Path, kind: str) -> Document | None:
        doc = read_yaml(path, root, problems)
        if not doc.parsed:
            return None
        if doc.data is None and kind != "facts":
            problems.add(doc.name, 1, "(file)", "the file is empty")
            return None
        schema_problems(doc, validators[kind], problems)
        return doc

    def required_file(relative: str, kind: str) -> Document | None:
        path = data_dir / relative
        if not path.is_file():
            problems.add(name(path), 1, "(file)", f"missing: the dataset needs data/{relative}")
            return None
        return schema_checked(path, kind)

    tumours = required_file("tumours.yaml", "tumours")
    studies, facts = [], {}
    for path in sorted((data_dir / "studies").glob("*")) if (data_dir / "studies").is_dir() else []:
        if path.suffix != ".yaml" or not path.is_file():
            problems.add(name(path), 1, "(file)", "not a study file: a study is data/studies/<citation-key>.yaml")
            continue
        doc = schema_checked(path, "study")
        if doc is not None and isinstance(doc.data, dict):
            _check_study(doc, path.stem, problems)
            studies.append(doc)
    for path in sorted((data_dir / "facts").glob("*")) if (data_dir / "facts").is_dir() else []:
        if path.suffix != ".yaml" or not path.is_file():
            problems.add(name(path), 1, "(file)", "not a facts file: facts are data/facts/<topic>.yaml")
            continue
        doc = schema_checked(path, "facts")
        if doc is not None:
            _check_facts(doc, problems)
            facts[path.stem] = doc
    if tumours is not None:
        _check_tumours(tumours, problems)
    screening = screening_log.check_log(data_dir, problems)

    # One study per citation key: two files naming the same study (a copy under a new name).
    first_file: dict[str, str] = {}
    for doc in studies:
        key = doc.data.get("citation")
        if isinstance(key, str):
            if key in first_file:
                problems.add(doc.name, doc.line(("citation",)), ("citation",), f"duplicate study: '{key}' is already in {first_file[key]}")
            first_file.setdefault(key, doc.name)

    bib = references.check_references(data_dir / "references", root)
    problems.extend(bib.problems)
    for doc in [*studies, *facts.values(), *([tumours] if tumours is not None else [])]:
        for path, key in _citations(doc):
            if key not in bib.files:
                problems.add(doc.name, doc.line(path), path, f"'{key}' has no reference: add data/references/{key}.bib")
    problems.extend(references.check_chapter_citations(root / "book", root, bib.files))

    ordered = sorted(problems, key=lambda p: (p[0], p[1]))  # stable: schema before cross-field rules
    unique = list(dict.fromkeys(f"{f}:{line}: {fld}: {msg}" for f, line, fld, msg in ordered))
    return Checked(studies, tumours, facts, screening, unique)


def validate_dataset(data_dir: Path) -> list[str]:
    """Return every problem found under ``data_dir``, formatted for people; empty when valid."""
    return load_checked(data_dir).problems
