"""Read YAML with the line of every value, so that each problem can name ``file:line: field``.

PyYAML's composed nodes carry their marks; :func:`read_yaml` builds the Python value from them and
records the line of every field on the way. Duplicate keys are problems (PyYAML would silently keep
the last one), alias bombs and recursive aliases are stopped, dates stay text and only
``true``/``false`` are booleans (YAML 1.2), so that a country code ``NO`` stays Norway.

:func:`refused` guards every read under ``data/``: a symbolic link, or a file that resolves outside
the data folder, is refused without being opened (a pull request must not make the checker print a
file of the machine that runs it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_VALUES = 100_000  # far above any real file; a YAML "billion laughs" expands beyond it
# For files read without line numbers (already checked, or only for a date): libyaml's parser gives
# safe_load's values about ten times faster; a build reads the study files several times.
PLAIN_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def refused(path: Path, data_dir: Path) -> str | None:
    """Why ``path`` must not be read (a link, or outside ``data_dir``), or None when it may be.

    Decided from the directory entries alone: the file is never opened.
    """
    if path.is_symlink():
        return "a symbolic link: refused without reading it (commit the file itself)"
    try:
        path.resolve().relative_to(data_dir.resolve())
    except ValueError:
        return "resolves outside data/: refused without reading it"
    return None


_YAML_1_2_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _implicit_resolvers() -> dict:
    """PyYAML's implicit scalar types, with YAML 1.2 booleans and without dates.

    Dates stay text (the schema checks that they exist, which PyYAML's own date parsing does with a
    traceback), and only ``true``/``false`` are booleans, so that a country code ``NO`` stays Norway.
    """
    resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in items
            if tag not in {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}
        ]
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


Problem = tuple[str, int, str, str]  # file, line, field, message


class Problems(list):
    """Problems as (file, line, field, message); :meth:`add` keeps each on one line."""

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
                problems.add(
                    doc.name, line, path + (key,), f"duplicate key (first written on line {doc.lines[path + (key,)]})"
                )
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
