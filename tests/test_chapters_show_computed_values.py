"""Part 2 of the review (other malignancies, adult evidence, conclusion, methods), as built.

The glued numbers, the decision table and the chart descriptions are checked against values that
this test computes itself from the dataset (through ``figures.dataset``), on the built site of a
fresh copy of the project.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO, require_tool

PAGES = [
    "book/other-malignancies/index",
    "book/other-malignancies/germ-cell-tumors",
    "book/other-malignancies/gist",
    "book/other-malignancies/osteosarcoma",
    "book/other-malignancies/dsrct",
    "book/other-malignancies/neuroendocrine-tumors",
    "book/adult-evidence",
    "book/conclusion",
    "book/methods",
]
GLUE_ROLE = re.compile(r"\{glue:text\}`([^`]+)`")
CITE_ROLE = re.compile(r"\{cite:[pt]\}`([^`]+)`")


def soup(root: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def plain(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


@pytest.fixture()
def site_data(built_site, monkeypatch):
    """``figures`` reading the built copy's dataset, with a fresh cache."""
    from figures import dataset

    monkeypatch.setenv("HEPMET_DATA_DIR", str(built_site / "data"))
    dataset.load_dataset.cache_clear()
    yield built_site
    dataset.load_dataset.cache_clear()


def expected_glue(monkeypatch) -> dict[str, str]:
    """Every value the chapters may glue, computed from the dataset by the glue helpers."""
    from figures import dataset, decision_tables, text

    values: dict[str, str] = {}
    monkeypatch.setattr(text, "glue", lambda key, value, display=False: values.__setitem__(key, value))
    for topic in ("general", "gct", "gist", "os", "dsrct", "net", "adult"):
        text.glue_facts(topic)
    text.glue_tumours()
    for record in dataset.studies():
        text.glue_study(record["citation"])
    values["rivoire_uncovered"] = decision_tables.uncovered("rivoire2001multimodality")
    return values


def test_every_part2_page_is_built_without_warnings(built_site):
    log = (built_site / "_build" / "html-build.log").read_text(encoding="utf-8", errors="replace")
    for page in PAGES:
        assert (built_site / "_build" / "html" / f"{page}.html").exists(), page
        warnings = [
            line for line in log.splitlines() if "WARNING" in line and "IPKernelApp" not in line and page in line
        ]
        assert not warnings, warnings
        assert soup(built_site, page).select_one("div.admonition.tip"), f"{page} has no key points"


def test_glued_values_equal_the_dataset(site_data, monkeypatch):
    from figures import dataset

    expected = expected_glue(monkeypatch)
    checked = 0
    for page in PAGES:
        keys = GLUE_ROLE.findall((REPO / f"{page}.md").read_text(encoding="utf-8"))
        shown = [span.get_text() for span in soup(site_data, page).select("span.pasted-text")]
        assert len(shown) == len(keys), f"{page}: {len(keys)} glue roles, {len(shown)} values shown"
        for key, value in zip(keys, shown):
            assert key in expected, f"{page}: {key} is glued from nothing in the dataset"
            assert plain(value) == plain(expected[key]), (page, key, value, expected[key])
            checked += 1
    assert checked > 50
    # The strings come from the data files, not from the helpers alone: spot-check the raw numbers.
    rivoire = dataset.study("rivoire2001multimodality")
    disease_free = next(o for o in rivoire["outcomes"] if o["id"] == "alive-without-disease")
    assert expected["rivoire2001multimodality_alive_without_disease_estimate"] == f"{disease_free['estimate']:g}%"
    typo = next(f for f in dataset.facts("gct") if f["id"] == "gct-share-under-20")
    assert expected["fact_gct_share_under_20"] == f"{typo['low']:g}%"


def test_every_citation_resolves(built_site):
    keys = set()
    for bib in (built_site / "data" / "references").glob("*.bib"):
        keys.update(re.findall(r"@\w+\{([^,\s]+),", bib.read_text(encoding="utf-8")))
    references = soup(built_site, "book/references")
    anchors = {tag["id"] for tag in references.find_all(id=True)}
    for page in PAGES:
        cited = {
            k.strip()
            for group in CITE_ROLE.findall((REPO / f"{page}.md").read_text(encoding="utf-8"))
            for k in group.split(",")
        }
        assert cited <= keys, f"{page} cites unknown keys {cited - keys}"
        links = [a["href"] for a in soup(built_site, page).find_all("a", href=True) if "references.html#" in a["href"]]
        assert len(links) >= len(cited), page
        for href in links:
            assert href.split("#", 1)[1] in anchors, f"{page}: dangling citation {href}"


def test_rivoire_decision_table_is_the_computed_one(site_data):
    from figures import decision_tables

    frame = decision_tables.size_recommendations("rivoire2001multimodality")
    table = soup(site_data, "book/other-malignancies/germ-cell-tumors").find(id="tab-gct-rivoire-decision")
    assert table is not None and table.name == "table"
    header = [plain(th.get_text()) for th in table.select("thead th")]
    rows = [[plain(td.get_text()) for td in tr.find_all("td")] for tr in table.select("tbody tr")]
    assert header == list(frame.columns)
    assert rows == [[plain(str(v)) for v in r] for r in frame.itertuples(index=False)]
    assert any(decision_tables.NO_RULE in cell for row in rows for cell in row), "the printed gaps must show"


def test_decision_table_follows_the_recorded_rules(tmp_path, monkeypatch):
    """Closing the gap in the rules closes it in the table: the grid is computed, not typed."""
    from figures import dataset, decision_tables

    data = shutil.copytree(REPO / "data", tmp_path / "data")
    study_file = data / "studies" / "rivoire2001multimodality.yaml"
    record = yaml.safe_load(study_file.read_text(encoding="utf-8"))
    for rule in record["recommendations"]:
        if rule["id"] == "female-above-10":
            rule["size_mm"]["min"] = 10
    study_file.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("HEPMET_DATA_DIR", str(data))
    dataset.load_dataset.cache_clear()
    try:
        grid = decision_tables.size_recommendations("rivoire2001multimodality")
        assert decision_tables.NO_RULE not in set(grid["Women"])
        assert "10\u201329 mm" in set(grid["Largest residual liver metastasis"])
        assert decision_tables.uncovered("rivoire2001multimodality") == "30 mm in men"
    finally:
        dataset.load_dataset.cache_clear()


def test_charts_carry_descriptions_computed_from_the_data(site_data):
    from figures import chart_data, charts_ages, charts_studies, dataset

    expected = {
        "book/other-malignancies/index": [
            charts_ages.studies_by_age_description(chart_data.studies_by_age(["gct", "gist", "os", "dsrct", "net"]))
        ],
        "book/adult-evidence": [
            charts_studies.study_timecourse_description(
                chart_data.study_timecourse("gomez2007aggressive"), dataset.study("gomez2007aggressive")["label"]
            ),
            charts_ages.survival_by_age_description(chart_data.survival_by_age()),
        ],
    }
    for page, descriptions in expected.items():
        shown = [plain(div["aria-label"]) for div in soup(site_data, page).select("div.hepmet-chart")]
        assert shown == [plain(d) for d in descriptions], page
    # The survival trend's words are the chapter's; its numbers must be every earlier/later pair of the facts.
    (trend,) = [
        plain(div["aria-label"])
        for div in soup(site_data, "book/other-malignancies/germ-cell-tumors").select("div.hepmet-chart")
    ]
    facts = {f["id"]: f["low"] for f in dataset.facts("gct")}
    pairs = [(facts[i], facts[i.removesuffix("-before") + "-after"]) for i in facts if i.endswith("-before")]
    assert pairs and trend.count("% earlier") == len(pairs)
    for earlier, later in pairs:
        assert f"{earlier:g}% earlier, {later:g}% later" in trend


def test_adult_sources_are_labelled_and_unverified_authors_flagged_on_the_references_page(built_site):
    # Doubts about a reference's metadata are told once, beside the reference, not in the chapter.
    adult = plain(soup(built_site, "book/adult-evidence").get_text())
    assert "unverified" not in adult.lower() and "recalled" not in adult.lower()
    entry = next(
        div
        for div in soup(built_site, "book/references").select("div.citation")
        if "Aggressive surgical resection" in div.get_text()
    )
    assert "[author list unverified]" in plain(entry.get_text())
    caption = plain(soup(built_site, "book/adult-evidence").find(id="fig-adult-leeds").get_text())
    assert "adult series" in caption
    gct = soup(built_site, "book/other-malignancies/germ-cell-tumors").find(id="tab-gct-rivoire-decision")
    assert "adult series" in plain(gct.find("caption").get_text())


def site_chapter_titles(root: Path, level: str) -> list[str]:
    """The titles of the site's navigation at one toctree level (``l1``, ``l2``), in order."""
    nav = soup(root, "book/index").select(f"nav.bd-docs-nav li.toctree-{level} > a")
    # The site numbers chapters "5.1."; the PDF's contents print "5.1": compare the titles.
    return [re.sub(r"^\d+(\.\d+)*\.?\s+", "", plain(a.get_text())) for a in nav]


def book_pdf(built_pdf: Path) -> Path:
    """The book itself among the PDFs in the LaTeX folder (charts are PDFs there too)."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    target = built_pdf.parent / config["latex"]["latex_documents"]["targetname"].replace(".tex", ".pdf")
    assert target.exists(), f"no {target.name} beside {built_pdf.name}"
    return target


def pdf_contents(pdf: Path) -> str:
    """The text of the PDF's table of contents: everything before its Bibliography entry."""
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    end = re.search(r"^\s*Bibliography\s+\d+\s*$", text, flags=re.M)
    assert end, "the PDF has no table of contents ending in Bibliography"
    return text[: end.start()]


def test_pdf_chapter_list_matches_the_site(built_site, built_pdf):
    contents = pdf_contents(book_pdf(built_pdf))
    pdf_chapters = [plain(m.group(1)) for m in re.finditer(r"^\s*\d+\s+(\S.*?)\s+\d+\s*$", contents, flags=re.M)]
    assert pdf_chapters == site_chapter_titles(built_site, "l1")
    # The sections that are pages of their own (the other malignancies) follow in the same order.
    flat = plain(contents)
    position = 0
    for title in site_chapter_titles(built_site, "l2"):
        found = flat.find(title, position)
        assert found >= 0, f"{title!r} is not in the PDF's contents in site order"
        position = found + len(title)
