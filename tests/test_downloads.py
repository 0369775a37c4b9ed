"""The downloads: written into the built site, re-read, and compared with the dataset."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest
import yaml
from pybtex.database import parse_string

from figures import dataset, downloads, paths
from synthesis_site import built_fixture_site, fixture_data_dir


@pytest.fixture
def fixture_data(monkeypatch, tmp_path_factory):
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(fixture_data_dir(tmp_path_factory)))


@pytest.fixture(scope="module")
def site_downloads(tmp_path_factory):
    root = built_fixture_site(tmp_path_factory)
    return root, root / "_build" / "html" / downloads.FOLDER


def _parse_ris(text: str) -> list[dict[str, list[str]]]:
    records, current = [], {}
    for line in text.splitlines():
        if not line.strip():
            continue
        tag, value = line[:2], line[6:]
        assert line[2:6] == "  - ", f"not an RIS line: {line!r}"
        if tag == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(tag, []).append(value)
    assert not current, "the last RIS record has no ER line"
    return records


def test_built_csv_and_json_match_the_dataset(site_downloads):
    root, folder = site_downloads
    studies = {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (root / "data" / "studies").glob("*.yaml")
    }
    csv = pd.read_csv(folder / downloads.CSV_NAME)
    expected_rows = sorted((c, o["id"], o["estimate"]) for c, s in studies.items() for o in s["outcomes"])
    # An estimate left null beside its counts is an empty cell.
    shown = [None if pd.isna(e) else e for e in csv["estimate"]]
    assert sorted(zip(csv["citation"], csv["outcome_id"], shown)) == expected_rows
    wilms = csv[(csv["citation"] == "fixturea2001fictional")].iloc[0]
    assert (wilms["ci_low"], wilms["ci_high"], wilms["interventions"]) == (58, 82, "resection;chemotherapy")

    document = json.loads((folder / downloads.JSON_NAME).read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads((folder / downloads.SCHEMA_NAME).read_text(encoding="utf-8")))
    assert {s["citation"]: s for s in document["studies"]} == json.loads(json.dumps(studies, default=str))
    assert len(document["outcomes"]) == len(csv)


def test_built_references_reparse_to_the_bib_files(site_downloads):
    root, folder = site_downloads
    originals = {}
    for bib in (root / "data" / "references").glob("*.bib"):
        originals.update(parse_string(bib.read_text(encoding="utf-8"), "bibtex").entries)
    written = parse_string((folder / downloads.BIBTEX_NAME).read_text(encoding="utf-8"), "bibtex").entries
    assert sorted(written) == sorted(originals)
    for key, entry in originals.items():
        assert dict(written[key].fields) == dict(entry.fields)
        assert [str(p) for p in written[key].persons.get("author", [])] == [
            str(p) for p in entry.persons.get("author", [])
        ]

    records = _parse_ris((folder / downloads.RIS_NAME).read_text(encoding="utf-8"))
    assert [r["ID"][0] for r in records] == sorted(originals)
    for record in records:
        entry = originals[record["ID"][0]]
        assert len(record.get("AU", [])) == len(entry.persons.get("author", []))
        assert record["PY"] == [entry.fields["year"]]


def test_ris_writes_plain_text_from_latex(fixture_data):
    records = _parse_ris(downloads.ris(dataset.bibliography()).decode("utf-8"))
    fixture = next(r for r in records if r["ID"] == ["fixturea2001fictional"])
    assert fixture["TY"] == ["JOUR"]
    assert fixture["AU"] == ["Fixture, Ann", "\u00d6rn, B\u00f8rge"]
    assert fixture["TI"] == ["A fictional series number Fixture A 2001 for tests"]
    assert (fixture["SP"], fixture["EP"], fixture["DO"]) == (["1"], ["10"], ["10.0000/fixture.fixturea2001fictional"])


def test_downloads_are_reproducible_and_match_the_site(fixture_data, site_downloads):
    _, folder = site_downloads
    first, second = downloads.files(), downloads.files()
    assert first == second
    # The site was built from a copy of the same fixture studies; its dataset files are the same bytes.
    assert (folder / downloads.CSV_NAME).read_bytes() == first[downloads.CSV_NAME]
    assert (folder / downloads.JSON_NAME).read_bytes() == first[downloads.JSON_NAME]


def test_the_evidence_tables_page_links_every_download(site_downloads):
    root, folder = site_downloads
    page = (root / "_build" / "html" / "book" / "evidence-tables.html").read_text(encoding="utf-8")
    for name in downloads.DESCRIPTIONS:
        assert f'href="../{downloads.FOLDER}/{name}"' in page
        assert (folder / name).is_file()
