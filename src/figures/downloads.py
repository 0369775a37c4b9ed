"""The review's downloads: the dataset as CSV and JSON (with a JSON Schema), references as BibTeX and RIS.

``files()`` computes every file's bytes from the dataset; the Sphinx extension writes them into the
site's ``downloads/`` folder after each HTML build, and the evidence-tables chapter links them.
Outputs are reproducible: rows and entries sorted, keys sorted, no timestamps.
"""

from __future__ import annotations

import html
import json

import pandas as pd
from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.database import BibliographyData, Entry
from pybtex.database.output.bibtex import Writer as BibtexWriter
from pybtex.richtext import Text

from figures import dataset, formats, render

FOLDER = "downloads"
CSV_NAME = "hepmet-outcomes.csv"
JSON_NAME = "hepmet-dataset.json"
SCHEMA_NAME = "hepmet-dataset.schema.json"
BIBTEX_NAME = "hepmet-references.bib"
RIS_NAME = "hepmet-references.ris"

_COLUMN_TYPES = {
    "n_patients": "number",
    "n_liver_metastases": "number",
    "timepoint_months": "number",
    "estimate": "number",
    "ci_low": "number",
    "ci_high": "number",
    "ci_level": "number",
    "events": "number",
    "denominator": "number",
    "age_median": "number",
    "age_min": "number",
    "age_max": "number",
    "recruitment_start": "number",
    "recruitment_end": "number",
    "p_value": "number",
    "n": "number",
}
LIST_COLUMNS = ("interventions", "agents")
_SORT = ["tumour", "citation", "outcome_id"]


def _outcome_records(outcomes: pd.DataFrame) -> list[dict]:
    frame = outcomes.sort_values(_SORT).reset_index(drop=True)
    records = []
    for row in frame.to_dict("records"):
        records.append({k: (None if not isinstance(v, list) and pd.isna(v) else v) for k, v in row.items()})
    return records


def outcomes_csv(outcomes: pd.DataFrame) -> bytes:
    """One row per outcome; interventions and agents joined with ``;``; empty cells for unknown values.

    ``n`` is the number of patients the outcome is about (its group), ``n_patients`` the study's.
    """
    frame = outcomes.sort_values(_SORT).reset_index(drop=True).copy()
    for column in LIST_COLUMNS:
        frame[column] = frame[column].map(";".join)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def schema() -> dict:
    """JSON Schema of ``hepmet-dataset.json``."""
    outcome_properties = {}
    for column in dataset.OUTCOME_COLUMNS:
        if column in LIST_COLUMNS:
            outcome_properties[column] = {"type": "array", "items": {"type": "string"}}
        else:
            outcome_properties[column] = {"type": [_COLUMN_TYPES.get(column, "string"), "null"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "hepmet living review: dataset",
        "description": "Every study record of data/studies/ and, flattened, every outcome with its study's fields "
        "(the rows of hepmet-outcomes.csv). Field meanings: docs/DATA-MODEL.md of the project.",
        "type": "object",
        "required": ["studies", "outcomes"],
        "properties": {
            "studies": {"type": "array", "items": {"type": "object", "required": ["citation"]}},
            "outcomes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": list(dataset.OUTCOME_COLUMNS),
                    "additionalProperties": False,
                    "properties": outcome_properties,
                },
            },
        },
    }


def dataset_json(studies: list[dict], outcomes: pd.DataFrame) -> bytes:
    payload = {
        "studies": sorted(
            ({k: v for k, v in s.items() if not k.startswith("_")} for s in studies), key=lambda s: s["citation"]
        ),
        "outcomes": _outcome_records(outcomes),
    }
    return (json.dumps(payload, sort_keys=True, indent=1, ensure_ascii=False, default=str) + "\n").encode("utf-8")


class _VerbatimBibtexWriter(BibtexWriter):
    """pybtex's BibTeX writer, with field values written as read.

    The parser keeps values as BibTeX markup (``78\\%``, ``{\\"O}rn``); the stock writer would
    encode them as LaTeX a second time and double every escape.
    """

    def _encode(self, text):
        return text


def bibtex(bibliography: BibliographyData) -> bytes:
    """Every reference as BibTeX, written by pybtex, entries sorted by key."""
    ordered = BibliographyData(entries=sorted(bibliography.entries.items()))
    return _VerbatimBibtexWriter(encoding="utf-8").to_string(ordered).encode("utf-8")


RIS_TYPES = {
    "article": "JOUR",
    "book": "BOOK",
    "inbook": "CHAP",
    "incollection": "CHAP",
    "inproceedings": "CPAPER",
    "conference": "CPAPER",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "techreport": "RPRT",
    "misc": "GEN",
    "online": "ELEC",
}


# One backend instance: ``Text.render_as("text")`` looks its backend up among every installed
# package's entry points on each call, which made the RIS file cost minutes (docs/BENCHMARK.md).
_PLAIN_TEXT = PlainTextBackend()


def _plain(latex: str) -> str:
    """BibTeX field text without braces or LaTeX accents (pybtex's own LaTeX reader)."""
    return " ".join(Text.from_latex(latex).render(_PLAIN_TEXT).split())


def _ris_entry(key: str, entry: Entry) -> list[str]:
    # RIS is a line format (tag, two spaces, hyphen, space, value); small enough to write here, and
    # pybtex has no RIS writer.
    f = entry.fields
    lines = [("TY", RIS_TYPES.get(entry.type.lower(), "GEN")), ("ID", key)]
    for person in entry.persons.get("author", []):
        last = _plain(" ".join(person.prelast_names + person.last_names))
        first = _plain(" ".join(person.first_names + person.middle_names))
        lines.append(
            (
                "AU",
                f"{last}, {first}".rstrip(", ")
                + (f", {_plain(' '.join(person.lineage_names))}" if person.lineage_names else ""),
            )
        )
    for field, tag in (
        ("title", "TI"),
        ("journal", "T2"),
        ("booktitle", "T2"),
        ("publisher", "PB"),
        ("year", "PY"),
        ("volume", "VL"),
        ("number", "IS"),
        ("doi", "DO"),
        ("url", "UR"),
    ):
        if f.get(field):
            lines.append((tag, _plain(f[field])))
    if f.get("pages"):
        start, _, end = _plain(f["pages"]).replace("\u2013", "-").partition("-")
        lines.append(("SP", start.strip("-")))
        if end.strip("-"):
            lines.append(("EP", end.strip("-")))
    if f.get("pmid"):
        lines.append(("AN", f"PMID:{_plain(f['pmid'])}"))
    return [f"{tag}  - {value}" for tag, value in lines] + ["ER  - "]


def ris(bibliography: BibliographyData) -> bytes:
    """Every reference as RIS, entries sorted by key."""
    lines: list[str] = []
    for key, entry in sorted(bibliography.entries.items()):
        lines += _ris_entry(key, entry) + [""]
    return "\n".join(lines).encode("utf-8")


def files() -> dict[str, bytes]:
    """Every download: file name -> bytes."""
    outcomes = dataset.outcomes()
    bibliography = dataset.bibliography()
    return {
        CSV_NAME: outcomes_csv(outcomes),
        JSON_NAME: dataset_json(dataset.studies(), outcomes),
        SCHEMA_NAME: (json.dumps(schema(), sort_keys=True, indent=1) + "\n").encode("utf-8"),
        BIBTEX_NAME: bibtex(bibliography),
        RIS_NAME: ris(bibliography),
    }


DESCRIPTIONS = {
    CSV_NAME: "every outcome with its study's fields (CSV)",
    JSON_NAME: "every study record and every outcome (JSON)",
    SCHEMA_NAME: "the JSON Schema of the JSON file",
    BIBTEX_NAME: "every reference (BibTeX)",
    RIS_NAME: "every reference (RIS, for reference managers)",
}


def download_links(sizes: dict[str, int], prefix: str) -> render.Display:
    """Links to the downloads on the site; in the PDF, their names and where the site serves them."""
    items = "".join(
        f'<li><a href="{html.escape(prefix + name, quote=True)}" download>{html.escape(name)}</a>: '
        f"{html.escape(DESCRIPTIONS[name])}, {formats.count(size)} bytes</li>"
        for name, size in sizes.items()
    )
    plain = "\n".join(f"- {name}: {DESCRIPTIONS[name]}" for name in sizes)
    return render.Display(
        {
            "text/html": f'<ul class="hepmet-downloads">{items}</ul>',
            "text/markdown": plain + f"\n\nThey are served from the `{FOLDER}/` folder of the review's website.\n",
            "text/plain": plain,
        }
    )


def links(page_depth: int = 1) -> render.Display:
    """The download links for a page ``page_depth`` folders below the site root."""
    return download_links({name: len(content) for name, content in files().items()}, "../" * page_depth + FOLDER + "/")
