"""A study added as a contributor would (scaffold, fill, validate, build) shows up in its chapter's
evidence table and in the counts, without any other file being edited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import copy_project, run_hepmet
from dataset_project import fill_reference_stub, unclear_appraisal
from figures.validate import load_checked

KEY = "example2026contributor"
LABEL = "Example 2026 (fictional, added by the tests)"


def _table_rows(page: Path, first_header: str) -> list[dict[str, str]]:
    """The rows of the page's table whose first column header is ``first_header``."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for table in soup.find_all("table"):
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        if headers and headers[0] == first_header:
            rows = []
            for tr in table.select("tbody tr"):
                cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
                rows.append(dict(zip(headers, cells[-len(headers):])))
            return rows
    raise AssertionError(f"no table headed {first_header!r} in {page.name}")


def _fill(root: Path) -> None:
    """What a contributor types into the two scaffolded files."""
    study = root / "data" / "studies" / f"{KEY}.yaml"
    record = yaml.safe_load(study.read_text(encoding="utf-8"))
    record.update(label=LABEL, design="registry", n_patients=12, n_liver_metastases=12, timing="synchronous", interventions=["resection"])
    record["setting"]["centres"] = "registry"
    record["population"].update(tumour="wt", age_group="pediatric", subgroup="stage 4, liver metastases")
    record["source"] = {"document": "test", "section": "Results"}
    record["outcomes"] = [{
        "id": "os-liver", "measure": "OS", "kind": "survival", "timepoint_months": 60, "group": "all", "n": 12, "estimate": 75, "unit": "percent",
        "ci": None, "events": None, "denominator": 12, "comparison": None, "source": {"document": "test", "section": "Results"},
    }]
    record["appraisal"] = unclear_appraisal("jbi-case-series")
    study.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reference = root / "data" / "references" / f"{KEY}.bib"
    fill_reference_stub(reference, "Example, Ada", "A fictional study that exercises the contributor workflow", "2026")


@pytest.mark.slow
def test_a_new_study_shows_in_its_evidence_table_and_the_counts(tmp_path):
    root = copy_project(tmp_path / "book")
    before = load_checked(root / "data")
    assert before.problems == []
    wilms_before = sum(d.data["population"]["tumour"] == "wt" for d in before.studies)
    registries_before = sum(d.data["design"] == "registry" for d in before.studies)
    untouched = {p: p.read_bytes() for p in (root / "book").rglob("*.md")}

    assert run_hepmet(root, "new-study", KEY).returncode == 0
    assert run_hepmet(root, "validate").returncode == 1  # the scaffold is not a study yet
    _fill(root)
    validated = run_hepmet(root, "validate")
    assert validated.returncode == 0, validated.stderr
    built = run_hepmet(root, "build")
    assert built.returncode == 0, built.stdout + built.stderr

    html = root / "_build" / "html" / "book"
    evidence = _table_rows(html / "wilms-tumor.html", "Study")
    (added,) = [row for row in evidence if row["Study"] == LABEL]
    # The columns belong to the chapter's table; the row must carry the study's population and size.
    shown = " ".join(added.values())
    assert "stage 4, liver metastases" in shown and re.search(r"\b12\b", shown), shown
    assert len(evidence) == wilms_before + 1

    # The conclusion's management summary counts the studies of each tumor from the study files.
    (wilms,) = [row for row in _table_rows(html / "conclusion.html", "Tumor") if row["Tumor"] == "Wilms tumor"]
    assert int(re.match(r"(\d+) stud", wilms["Evidence in the dataset"]).group(1)) == wilms_before + 1

    designs = {row["Design"]: int(row["Studies"]) for row in _table_rows(html / "methods.html", "Design")}
    assert sum(count for design, count in designs.items() if "egistr" in design) == registries_before + 1

    assert {p: p.read_bytes() for p in (root / "book").rglob("*.md")} == untouched
