"""The references: ``data/references/<key>.bib``, one BibTeX entry per file, checked with pybtex.

Rules (each problem as ``file:line: field: message``):

- the file parses and holds exactly one entry, whose key is the file stem;
- no bare ``%``: BibTeX and LaTeX read it as the start of a comment and silently drop the rest of
  the line, so it must be written ``\\%``;
- every entry says how its metadata is known: ``x-confidence`` = ``verified`` (seen in a public
  source, named in ``x-source``) or ``recalled`` (not seen: shown as unverified);
- an identifier (DOI, PMID, PMCID) is only kept when somebody saw it: its entry names the
  ``x-source`` where it was seen;
- identifiers are well formed (DOI ``10.<4-9 digits>/...``, PMID digits, PMCID ``PMC<digits>``)
  and the year lies from 1900 to this year;
- the fields BibTeX requires for the entry type are present (an article: author, title, journal,
  year), or inherited from the entry its ``crossref`` names, which must exist;
- no two entries describe the same work (same DOI, PMID or title and year) (that every key a
  chapter cites exists is checked on the build side, by :mod:`figures.chapter_citations`);
- a file that is a symbolic link, or resolves outside ``data/``, is refused without being read.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import pybtex.errors
from pybtex.database import BibliographyData, Entry, parse_file
from pybtex.database.input import bibtex

from figures.yaml_lines import Problem, refused

CONFIDENCE = "x-confidence"
CONFIDENCE_AUTHORS = "x-confidence-authors"
CONFIDENCE_VALUES = ("verified", "recalled")
IDENTIFIERS = ("doi", "pmid", "pmcid")
# What a well-formed identifier looks like, and how the message describes it.
IDENTIFIER_FORMS = {
    "doi": (re.compile(r"^10\.\d{4,9}/\S+$"), "10.<4 to 9 digits>/<suffix>, without https://doi.org/"),
    "pmid": (re.compile(r"^[1-9]\d{0,8}$"), "digits only"),
    "pmcid": (re.compile(r"^PMC\d+$"), "PMC followed by digits"),
}
FIRST_YEAR = 1900
# Fields BibTeX requires by entry type ("author|editor": either one). The author, title and year of
# every type are checked in _check_entry.
REQUIRED_BY_TYPE = {
    "article": ("journal",),
    "book": ("publisher",),
    "inbook": ("publisher",),
    "incollection": ("booktitle", "publisher"),
    "inproceedings": ("booktitle",),
    "conference": ("booktitle",),
    "phdthesis": ("school",),
    "mastersthesis": ("school",),
    "techreport": ("institution",),
}

# A % not preceded by a backslash, on a line that is not a whole-line comment.
_BARE_PERCENT = re.compile(r"(?<!\\)%")


@dataclass
class References:
    """The entries that parsed, by key, and every problem found."""

    entries: dict[str, Entry] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)  # stems of every .bib file, valid or not
    problems: list[Problem] = field(default_factory=list)


METADATA_UNVERIFIED = "[metadata unverified]"
AUTHORS_UNVERIFIED = "[author list unverified]"


def unverified_mark(entry: Entry) -> str | None:
    """What a reader must be told about an entry's provenance, or None when it was all seen."""
    if entry.fields.get(CONFIDENCE) != "verified":
        return METADATA_UNVERIFIED
    if CONFIDENCE_AUTHORS in entry.fields:
        return AUTHORS_UNVERIFIED
    return None


def _field_lines(text: str) -> dict[str, int]:
    """The line each field of a one-entry file starts on (lowercased names)."""
    lines = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*([A-Za-z][\w-]*)\s*=", line)
        if match:
            lines.setdefault(match.group(1).lower(), number)
    return lines


def _parse(path: Path, text: str, name: str, problems: list[Problem]) -> BibliographyData | None:
    parser = bibtex.Parser(encoding="utf-8")
    with pybtex.errors.capture() as errors:
        try:
            data = parser.parse_string(text)
        except pybtex.errors.PybtexError as err:  # a syntax error pybtex cannot recover from
            errors.append(err)
            data = None
    for err in errors:
        line = getattr(err, "lineno", None) or 1
        problems.append((name, line, "(file)", " ".join(f"not valid BibTeX: {err}".split())))
    return None if errors else data


def _field(entry: Entry, name: str, parents: dict[str, Entry]) -> str:
    """A field of ``entry``, or of the entry its ``crossref`` names (BibTeX's inheritance)."""
    value = entry.fields.get(name, "").strip()
    if not value and entry.fields.get("crossref") in parents:
        value = parents[entry.fields["crossref"]].fields.get(name, "").strip()
    return value


def _check_entry(key: str, entry: Entry, name: str, lines: dict[str, int], problems: list[Problem]) -> None:
    confidence = entry.fields.get(CONFIDENCE)
    if confidence is None:
        problems.append(
            (name, 1, CONFIDENCE, f"missing: say how the metadata is known ({' or '.join(CONFIDENCE_VALUES)})")
        )
    elif confidence not in CONFIDENCE_VALUES:
        problems.append(
            (name, lines.get(CONFIDENCE, 1), CONFIDENCE, f"'{confidence}' is not {' or '.join(CONFIDENCE_VALUES)}")
        )
    for identifier in IDENTIFIERS:
        if identifier not in entry.fields:
            continue
        if not entry.fields.get("x-source", "").strip():
            problems.append(
                (
                    name,
                    lines.get(identifier, 1),
                    identifier,
                    "an identifier needs an x-source saying where it was seen; never add one that nobody has seen",
                )
            )
        form, described = IDENTIFIER_FORMS[identifier]
        value = entry.fields[identifier].strip()
        if not form.match(value):
            problems.append(
                (
                    name,
                    lines.get(identifier, 1),
                    identifier,
                    f"'{value[:60]}' is not a well-formed {identifier.upper()} ({described})",
                )
            )
    year = entry.fields.get("year", "").strip()
    if year and not (year.isdigit() and FIRST_YEAR <= int(year) <= datetime.date.today().year):
        problems.append(
            (name, lines.get("year", 1), "year", f"'{year[:20]}' is not a year from {FIRST_YEAR} to this year")
        )


def _check_required_fields(
    entry: Entry, name: str, lines: dict[str, int], parents: dict[str, Entry], problems: list[Problem]
) -> None:
    """The fields every entry needs, and those its type needs, own or inherited by ``crossref``."""
    parent = parents.get(entry.fields.get("crossref"))
    persons = entry.persons or (parent.persons if parent is not None else {})
    if not persons.get("author") and not persons.get("editor") and not _field(entry, "organization", parents):
        problems.append(
            (name, lines.get("author", 1), "author", "missing: an entry needs an author, editor or organization")
        )
    for required in ("title", "year", *REQUIRED_BY_TYPE.get(entry.type.lower(), ())):
        if not _field(entry, required, parents):
            problems.append(
                (name, lines.get(required, 1), required, f"missing: a BibTeX {entry.type.lower()} needs a {required}")
            )


def _work_identity(entry: Entry) -> list[str]:
    """Strings that identify the work an entry describes, for finding duplicates."""
    identity = [f"{i}:{entry.fields[i].strip().lower()}" for i in IDENTIFIERS if entry.fields.get(i, "").strip()]
    title = re.sub(r"[^a-z0-9]+", " ", re.sub(r"[{}\\]", "", entry.fields.get("title", "").lower())).strip()
    if title:
        identity.append(f"title:{title}:{entry.fields.get('year', '')}")
    return identity


def read_entries(ref_dir: Path) -> BibliographyData:
    """Every entry of the ``*.bib`` files of ``ref_dir``, as one ``BibliographyData`` sorted by file
    (no checks: for a dataset already validated)."""
    merged = BibliographyData()
    for path in sorted(Path(ref_dir).glob("*.bib")):
        for key, entry in parse_file(str(path), bib_format="bibtex").entries.items():
            merged.add_entry(key, entry)
    return merged


def check_references(ref_dir: Path, root: Path) -> References:
    """Parse and check every ``*.bib`` under ``ref_dir``; names in messages are relative to ``root``."""
    result = References()
    if not ref_dir.is_dir():
        result.problems.append(
            (str(ref_dir.relative_to(root)), 1, "(file)", "missing: the references folder data/references/")
        )
        return result
    seen: dict[str, str] = {}
    located: dict[str, tuple[str, dict[str, int]]] = {}  # key -> file name and field lines
    for path in sorted(ref_dir.iterdir()):
        name = str(path.relative_to(root))
        why_not = refused(path, ref_dir.parent)
        if why_not:
            result.problems.append((name, 1, "(file)", why_not))
            continue
        if path.suffix != ".bib" or not path.is_file():
            result.problems.append(
                (name, 1, "(file)", "not a reference file: a reference is data/references/<citation-key>.bib")
            )
            continue
        result.files.add(path.stem)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            result.problems.append((name, 1, "(file)", f"not UTF-8 text ({err.reason} at byte {err.start})"))
            continue
        lines = _field_lines(text)
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.lstrip().startswith("%") and _BARE_PERCENT.search(line):
                fld = re.match(r"\s*([A-Za-z][\w-]*)\s*=", line)
                result.problems.append(
                    (
                        name,
                        number,
                        fld.group(1).lower() if fld else "(file)",
                        "bare % (BibTeX and LaTeX drop the rest of the line): write \\%",
                    )
                )
        data = _parse(path, text, name, result.problems)
        if data is None:
            continue
        if len(data.entries) != 1:
            result.problems.append(
                (name, 1, "(file)", f"{len(data.entries)} entries: a reference file holds exactly one")
            )
            continue
        ((key, entry),) = data.entries.items()
        if key != path.stem:
            result.problems.append(
                (
                    name,
                    1,
                    "(key)",
                    f"'{key}' differs from the file name: the key must equal the file stem '{path.stem}'",
                )
            )
            continue
        _check_entry(key, entry, name, lines, result.problems)
        located[key] = (name, lines)
        for identity in _work_identity(entry):
            if identity in seen:
                result.problems.append(
                    (
                        name,
                        1,
                        "(key)",
                        f"duplicate reference: the same work as {seen[identity]} ({identity.split(':')[0]})",
                    )
                )
                break
            seen[identity] = key
        result.entries[key] = entry
    for key, entry in result.entries.items():
        name, lines = located[key]
        crossref = entry.fields.get("crossref")
        if crossref is not None and crossref not in result.files:
            result.problems.append(
                (
                    name,
                    lines.get("crossref", 1),
                    "crossref",
                    f"'{crossref}' is not a reference: no data/references/{crossref}.bib with that key",
                )
            )
        _check_required_fields(entry, name, lines, result.entries, result.problems)
    return result


def bibtex_value(value: str) -> str:
    """Text for a BibTeX field in braces, written by a command: one line, no brace or backslash
    that could unbalance the entry (replaced by parentheses and a slash), percent signs escaped."""
    return " ".join(value.replace("{", "(").replace("}", ")").replace("\\", "/").replace("%", r"\%").split())
