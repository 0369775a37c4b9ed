"""A study added as a contributor would (scaffold, fill, validate, build) shows up in its chapter's
evidence table and in the counts, without any other file being edited."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from conftest import REPO
from data_changes import CONTRIBUTOR_KEY, CONTRIBUTOR_LABEL
from figures.validate import load_checked


def _table_rows(page: Path, first_header: str) -> list[dict[str, str]]:
    """The rows of the page's table whose first column header is ``first_header``."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for table in soup.find_all("table"):
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        if headers and headers[0] == first_header:
            rows = []
            for tr in table.select("tbody tr"):
                cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
                rows.append(dict(zip(headers, cells[-len(headers) :])))
            return rows
    raise AssertionError(f"no table headed {first_header!r} in {page.name}")


def test_a_new_study_shows_in_its_evidence_table_and_the_counts(data_changes):
    # conftest.data_changes ran, in its copy: hepmet new-study, validate (the scaffold is not a
    # study yet), the contributor's filling in (data_changes.fill_contributor_study), validate, build.
    assert data_changes.contributor == {"new-study": 0, "validate the scaffold": 1, "validate the study": 0}
    before = load_checked(REPO / "data")
    assert before.problems == []
    wilms_before = sum(d.data["population"]["tumour"] == "wt" for d in before.studies)
    registries_before = sum(d.data["design"] == "registry" for d in before.studies)
    root = data_changes.changed
    assert (root / "data" / "studies" / f"{CONTRIBUTOR_KEY}.yaml").is_file()

    html = root / "_build" / "html" / "book"
    evidence = _table_rows(html / "wilms-tumor.html", "Study")
    (added,) = [row for row in evidence if row["Study"] == CONTRIBUTOR_LABEL]
    # The columns belong to the chapter's table; the row must carry the study's population and size.
    shown = " ".join(added.values())
    assert "stage 4, liver metastases" in shown and re.search(r"\b12\b", shown), shown
    assert len(evidence) == wilms_before + 1

    # The conclusion's management summary counts the studies of each tumor from the study files.
    (wilms,) = [row for row in _table_rows(html / "conclusion.html", "Tumor") if row["Tumor"] == "Wilms tumor"]
    assert int(re.match(r"(\d+) stud", wilms["Evidence in the dataset"]).group(1)) == wilms_before + 1

    designs = {row["Design"]: int(row["Studies"]) for row in _table_rows(html / "methods.html", "Design")}
    assert sum(count for design, count in designs.items() if "egistr" in design) == registries_before + 1

    # No other file was edited: the chapters are the checkout's.
    assert {p.relative_to(root): p.read_bytes() for p in (root / "book").rglob("*.md")} == {
        p.relative_to(REPO): p.read_bytes() for p in (REPO / "book").rglob("*.md")
    }
