"""The references: split faithfully from the seed bibliography, provenance on every entry, no
identifier added, and the References page (site and PDF) marking unverified metadata."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pybtex.database import parse_file

from conftest import require_tool
from figures.references import AUTHORS_UNVERIFIED, METADATA_UNVERIFIED, IDENTIFIERS, unverified_mark

REPO = Path(__file__).resolve().parents[1]
REFERENCES = REPO / "data" / "references"
# A frozen copy of /work/shared/references/seed-references.bib, the bibliographic facts the
# project started from: the split must keep its entries and never add an identifier.
SEED = parse_file(str(Path(__file__).parent / "fixtures" / "seed-references.bib"))


def project_entries() -> dict:
    entries = {}
    for path in sorted(REFERENCES.glob("*.bib")):
        (key, entry), = parse_file(str(path)).entries.items()
        entries[key] = entry
    return entries


def test_every_seed_entry_is_split_into_its_own_file_unchanged():
    entries = project_entries()
    assert set(SEED.entries) <= set(entries)
    for key, seed in SEED.entries.items():
        entry = entries[key]
        assert entry.type == seed.type, key
        assert {r: [str(p) for p in ps] for r, ps in entry.persons.items()} == {r: [str(p) for p in ps] for r, ps in seed.persons.items()}, key
        # The split only escapes the percent signs that the seed left bare.
        assert {k: v.replace("\\%", "%") for k, v in entry.fields.items()} == dict(seed.fields), key


def test_no_identifier_was_added():
    for key, entry in project_entries().items():
        seed = SEED.entries.get(key)
        for identifier in IDENTIFIERS:
            if identifier in entry.fields:
                assert seed is not None and seed.fields.get(identifier) == entry.fields[identifier], f"{key}: {identifier} not in the seed"


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

    page = BeautifulSoup((built_site / "_build" / "html" / "book" / "references.html").read_text(encoding="utf-8"), "html.parser")
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
    text = " ".join(subprocess.run([pdftotext, str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    expected = _expected_marks()
    for mark in (METADATA_UNVERIFIED, AUTHORS_UNVERIFIED):
        assert text.count(mark) == sum(m == mark for m in expected.values()), mark
