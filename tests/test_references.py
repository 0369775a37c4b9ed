"""The references: split faithfully from the seed bibliography, provenance on every entry, no
identifier added, and the References page (site and PDF) marking unverified metadata."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_file

from conftest import require_tool
from figures.references import AUTHORS_UNVERIFIED, IDENTIFIERS, METADATA_UNVERIFIED, unverified_mark

REPO = Path(__file__).resolve().parents[1]
REFERENCES = REPO / "data" / "references"
# A frozen copy of /work/shared/references/seed-references.bib, the bibliographic facts the
# project started from: the split must keep its entries and never add an identifier.
SEED = parse_file(str(Path(__file__).parent / "fixtures" / "seed-references.bib"))


def project_entries() -> dict:
    entries = {}
    for path in sorted(REFERENCES.glob("*.bib")):
        ((key, entry),) = parse_file(str(path)).entries.items()
        entries[key] = entry
    return entries


# Fields that a later round may rewrite: the note (in our own words) and the list of sources (which
# only grows). Every other field of the seed is a bibliographic fact and stays as it was.
REWRITABLE = {"note", "x-source"}


def _sources(entry) -> list[str]:
    """The addresses named in an entry's x-source (the first word of each ';'-separated part)."""
    parts = entry.fields.get("x-source", "").replace("\\%", "%").split(" ; ")
    return [part.split()[0] for part in parts if part.split()]


def logged_identifiers() -> dict[str, set[str]]:
    """Every identifier seen in the screening log, by the address of the page it was seen on."""
    seen: dict[str, set[str]] = {}
    for path in sorted((REPO / "data" / "screening").glob("round-*.yaml")):
        for record in yaml.safe_load(path.read_text(encoding="utf-8")).get("records") or []:
            if record.get("url"):
                seen.setdefault(record["url"], set()).update(f"{i}:{record[i]}" for i in IDENTIFIERS if record.get(i))
    return seen


def test_every_seed_entry_keeps_its_bibliographic_facts():
    entries = project_entries()
    assert set(SEED.entries) <= set(entries)
    for key, seed in SEED.entries.items():
        entry = entries[key]
        assert entry.type == seed.type, key
        assert {r: [str(p) for p in ps] for r, ps in entry.persons.items()} == {
            r: [str(p) for p in ps] for r, ps in seed.persons.items()
        }, key
        # The split only escapes the percent signs that the seed left bare.
        fields = {k: v.replace("\\%", "%") for k, v in entry.fields.items()}
        for name, value in seed.fields.items():
            if name not in REWRITABLE:
                assert fields.get(name) == value, f"{key}: {name}"
        # A source may be added, never dropped.
        assert set(_sources(seed)) <= set(_sources(entry)), key


def test_every_identifier_was_seen_on_a_source_page():
    """An identifier is the seed's, or the screening log records it on a page the entry names."""
    logged = logged_identifiers()
    for key, entry in project_entries().items():
        seed = SEED.entries.get(key)
        for identifier in IDENTIFIERS:
            value = entry.fields.get(identifier)
            if value is None or (seed is not None and seed.fields.get(identifier) == value):
                continue
            assert entry.fields.get("x-source", "").strip(), f"{key}: {identifier} without an x-source"
            pages = [url for url in _sources(entry) if f"{identifier}:{value}" in logged.get(url, set())]
            assert pages, f"{key}: {identifier} {value} is on no logged page named in its x-source"


def test_every_entry_states_its_provenance():
    for key, entry in project_entries().items():
        assert entry.fields.get("x-confidence") in {"verified", "recalled"}, key


def test_unverified_mark_follows_the_provenance_fields():
    marks = {key: unverified_mark(entry) for key, entry in SEED.entries.items()}
    assert marks["fernandezpineda2015hepatic"] is None
    assert marks["ehrlich2009hepatic"] == AUTHORS_UNVERIFIED  # verified, authors recalled
    assert marks["pappo2011special"] == METADATA_UNVERIFIED  # recalled
    assert sum(m == METADATA_UNVERIFIED for m in marks.values()) == 9
    assert sum(m == AUTHORS_UNVERIFIED for m in marks.values()) == 11


def _expected_marks() -> dict[str, str | None]:
    return {key: unverified_mark(entry) for key, entry in project_entries().items()}


def test_references_page_marks_every_unverified_entry(built_site):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(
        (built_site / "_build" / "html" / "book" / "references.html").read_text(encoding="utf-8"), "html.parser"
    )
    shown = {}
    for item in page.select("div.citation"):
        key = item.get("id", "")
        shown[key] = " ".join(item.get_text(" ").split())
    expected = _expected_marks()
    assert len(shown) == len(expected)
    texts = list(shown.values())
    for mark in (METADATA_UNVERIFIED, AUTHORS_UNVERIFIED):
        assert sum(mark in t for t in texts) == sum(m == mark for m in expected.values()), mark
    # Provenance notes (which quote the source review) stay out of the printed references.
    assert not any("seed [" in t for t in texts)


@pytest.mark.pdf
def test_pdf_references_mark_unverified_entries(built_pdf):
    # pdftotext keeps the spaces between words (pypdf loses some in this PDF's fonts).
    pdftotext = require_tool("pdftotext")
    text = " ".join(
        subprocess.run([pdftotext, str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    expected = _expected_marks()
    for mark in (METADATA_UNVERIFIED, AUTHORS_UNVERIFIED):
        assert text.count(mark) == sum(m == mark for m in expected.values()), mark
