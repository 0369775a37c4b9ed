"""The first half of the review (introduction, tumor biology, neuroblastoma, Wilms tumor, glossary).

The built pages are checked against the dataset itself: every glued number in the prose shows the
values of the data file it comes from, Table 1 matches ``data/tumours.yaml``, every citation
resolves, and a change to a data file reaches the prose, the table and the chart when the site is built again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import copy_project

CHAPTERS = ["introduction", "tumor-biology", "neuroblastoma", "wilms-tumor"]
PAGES = CHAPTERS + ["glossary", "index"]
GLUE_ROLE = re.compile(r"\{glue:text\}`([^`]+)`")
CITE_ROLE = re.compile(r"\{cite:[pt]\}`([^`]+)`")


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _html(root: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup(
        (root / "_build" / "html" / "book" / f"{page}.html").read_text(encoding="utf-8"), "html.parser"
    )


def _article(soup: BeautifulSoup):
    return soup.find("article") or soup.find("main") or soup


def _words(value) -> str:
    """A data value as a number printed in prose (no trailing zeros, thousands separators ignored)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _key(*parts) -> str:
    return "_".join(re.sub(r"[^0-9A-Za-z]+", "_", str(p)).strip("_") for p in parts)


def _glue_values(root: Path) -> dict[str, list]:
    """The raw data values behind each glue key, read from the YAML files (not from figures.text)."""
    data = root / "data"
    values: dict[str, list] = {}
    for facts in sorted((data / "facts").glob("*.yaml")):
        for fact in _yaml(facts) or []:
            values[_key("fact", fact["id"])] = sorted({fact["low"], fact["high"]})
    tumours = _yaml(data / "tumours.yaml")
    values["tumours_total"] = [len(tumours)]
    values["tumours_with_adult_figures"] = [
        sum(
            1
            for t in tumours
            if t["metastatic_at_diagnosis"]["adult_series"] or t["hepatic_metastatic_disease"]["adult_series"]
        )
    ]
    for t in tumours:
        for name, field in (("metastatic", "metastatic_at_diagnosis"), ("hepatic", "hepatic_metastatic_disease")):
            values[_key("tumour", t["code"], name)] = sorted({t[field]["low"], t[field]["high"]})
    for path in sorted((data / "studies").glob("*.yaml")):
        study = _yaml(path)
        c = study["citation"]
        for field in ("n_patients", "n_liver_metastases"):
            if study.get(field) is not None:
                values[_key(c, field)] = [study[field]]
        for field in ("start", "end"):
            if (study.get("recruitment") or {}).get(field) is not None:
                values[_key(c, "recruitment", field)] = [study["recruitment"][field]]
        for comparison in study.get("comparisons") or []:
            if comparison.get("p_value") is not None:
                values[_key(c, "p", comparison["id"])] = [comparison["p_value"]]
        for outcome in study.get("outcomes") or []:
            ci = outcome.get("ci") or {}
            values[_key(c, outcome["id"], "estimate")] = [outcome["estimate"]]
            values[_key(c, outcome["id"], "group")] = [outcome.get("group") or "all"]
            if outcome.get("timepoint_months") is not None:
                values[_key(c, outcome["id"], "timepoint")] = [outcome["timepoint_months"]]
            values[_key(c, outcome["id"])] = [outcome["estimate"]] + [
                ci[k] for k in ("low", "high") if ci.get(k) is not None
            ]
    # The Wilms tumor chapter's computed check of Ehrlich et al.'s surgical groups.
    facts = {f["id"]: f["low"] for f in _yaml(data / "facts" / "wt.yaml")}
    groups = ["wt-ehrlich-primary-resection", "wt-ehrlich-delayed-resection", "wt-ehrlich-no-liver-surgery"]
    n = _yaml(data / "studies" / "ehrlich2009hepatic.yaml")["n_patients"]
    values["wt_ehrlich_groups_total"] = [sum(facts[g] for g in groups)]
    values["wt_ehrlich_groups_n"] = [n]
    for g in groups:
        values[_key("wt_ehrlich_groups_share", g)] = [round(100 * facts[g] / n)]
    return values


def _assert_glued_numbers(root: Path, page: str) -> int:
    keys = GLUE_ROLE.findall((root / "book" / f"{page}.md").read_text(encoding="utf-8"))
    spans = [s.get_text() for s in _article(_html(root, page)).select("span.pasted-text")]
    assert len(spans) == len(keys), f"{page}: {len(keys)} glue roles but {len(spans)} pasted values"
    values = _glue_values(root)
    for key, shown in zip(keys, spans):
        assert key in values, f"{page}: glue key {key!r} matches nothing in data/"
        plain = shown.replace(",", "")
        for value in values[key]:
            assert re.search(rf"(?<![\d.]){re.escape(_words(value))}(?![\d])", plain), (
                f"{page}: {key} shows {shown!r}, which lacks the data value {value!r}"
            )
    return len(keys)


@pytest.mark.slow
@pytest.mark.parametrize("page", CHAPTERS)
def test_glued_numbers_equal_the_dataset(built_site, page):
    count = _assert_glued_numbers(built_site, page)
    if page != "tumor-biology":
        assert count >= 5, f"{page} glues only {count} numbers"


@pytest.mark.slow
def test_table1_matches_the_dataset(built_site):
    table = _article(_html(built_site, "introduction")).find("table", id="tab-table1")
    assert table is not None, "Table 1 (tab-table1) is missing from the introduction"
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")]
    tumours = _yaml(built_site / "data" / "tumours.yaml")
    assert len(rows) == len(tumours)
    for row, t in zip(rows, tumours):
        assert t["name"] in row[0] and t["abbreviation"] in row[0]
        for cell, field in ((row[1], "metastatic_at_diagnosis"), (row[2], "hepatic_metastatic_disease")):
            r = t[field]
            expected = f"{_words(r['low'])}%" if r["low"] == r["high"] else f"{_words(r['low'])}%–{_words(r['high'])}%"
            assert cell.startswith(expected), f"{t['code']} {field}: {cell!r} != {expected!r}"
            assert ("adult series" in cell) == r["adult_series"], (
                f"{t['code']} {field}: adult marking wrong in {cell!r}"
            )
        assert row[3], f"{t['code']}: no treatment options"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_citation_resolves(built_site, page):
    source = built_site / "book" / f"{page}.md"
    keys = {k.strip() for group in CITE_ROLE.findall(source.read_text(encoding="utf-8")) for k in group.split(",")}
    bibs = {p.stem for p in (built_site / "data" / "references").glob("*.bib")}
    assert keys <= bibs, f"{page}: cited keys without a .bib: {sorted(keys - bibs)}"
    article = _article(_html(built_site, page))
    text = article.get_text(" ")
    assert "{cite" not in text and "??" not in text
    links = [a["href"] for a in article.select('a[href*="references.html#"]')]
    if keys:
        assert links, f"{page}: citations left no links to the bibliography"
    anchors = {el["id"] for el in _html(built_site, "references").select("[id]")}
    for href in links:
        assert href.split("#", 1)[1] in anchors, f"{page}: citation link {href} points at nothing"


@pytest.mark.slow
@pytest.mark.parametrize("page, tumour", [("neuroblastoma", "nb"), ("wilms-tumor", "wt")])
def test_evidence_table_and_flags_come_from_the_study_files(built_site, page, tumour):
    article = _article(_html(built_site, page))
    table = article.find("table", id=f"tab-{tumour}-evidence")
    assert table is not None
    # Sphinx's smart quotes turn the apostrophe of "D'Angio" typographic.
    shown = [tr.find("td").get_text(strip=True).replace("\u2019", "'") for tr in table.select("tbody tr")]
    studies = [_yaml(p) for p in sorted((built_site / "data" / "studies").glob("*.yaml"))]
    mine = [s for s in studies if s["population"]["tumour"] == tumour]
    assert sorted(shown) == sorted(s["label"] for s in mine)
    note = " ".join(article.get_text(" ").split())
    # Sphinx's smart quotes make 'x' and "x" typographic.
    for typographic, plain in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        note = note.replace(typographic, plain)
    for study in mine:
        for flag in study.get("flags") or []:
            assert " ".join(flag["note"].split()) in note, f"{study['citation']}: flag not shown"


@pytest.mark.slow
def test_osteosarcoma_is_never_abbreviated_os(built_site):
    for page in CHAPTERS:
        text = _article(_html(built_site, page)).get_text(" ")
        assert not re.search(r"\bOS\s*\((?:osteosarcoma)", text, re.I)
        assert not re.search(r"osteosarcoma\s*\(OS\)", text, re.I), f"{page} abbreviates osteosarcoma as OS"


def test_a_data_change_reaches_prose_table_and_chart(data_changes):
    # Ehrlich 2009's liver-only EFS changed from 76 to 79, Table 1's Wilms tumor row from 20 to 25%
    # (tests/data_changes.py), then the site built again.
    root = data_changes.changed
    study_file = root / "data" / "studies" / "ehrlich2009hepatic.yaml"
    group = next(o["group"] for o in _yaml(study_file)["outcomes"] if o["id"] == "efs-liver-only")

    _assert_glued_numbers(root, "wilms-tumor")
    _assert_glued_numbers(root, "introduction")
    wt = _article(_html(root, "wilms-tumor"))
    prose = " ".join(wt.get_text(" ").split())
    assert "79% (95% CI 58%–87%)" in prose and "76% (95% CI" not in prose
    evidence = wt.find("table", id="tab-wt-evidence").get_text(" ")
    assert re.search(rf"{re.escape(group)}[^;]*: 79%", " ".join(evidence.split()))
    chart = wt.find("div", class_="hepmet-chart", attrs={"aria-label": re.compile("Ehrlich")})
    # The chart's text names the group with its own number of patients.
    assert chart is not None and re.search(rf"{re.escape(group)} \(n = \d+\): 79%", chart["aria-label"]), chart[
        "aria-label"
    ][:300]
    spec = wt.find("script", id=f"{chart['id']}-spec").string
    assert '"estimate":79' in spec and '"estimate":76' not in spec
    intro = _article(_html(root, "introduction"))
    assert "25%–30%" in intro.find("table", id="tab-table1").get_text(" ")
    assert "25%–30%" in " ".join(intro.get_text(" ").split())


# --- Without a build: the table and note builders read whatever the data folder holds ----------

NEW_WT_STUDY = """\
citation: berger2013relationship
label: Berger 2013
design: retrospective-series
setting: {centres: multi, group: null, countries: []}
recruitment: {start: null, end: null}
population: {tumour: wt, subgroup: "stage 4 <Wilms> tumor & 'test' {x}", age_group: pediatric}
n_patients: null
n_liver_metastases: null
timing: not-reported
interventions: []
source: {document: "000", section: "Wilms tumor"}
outcomes: []
appraisal:
  tool: jbi-case-series
  basis: source-review
  items:
    - {id: q1, judgement: unclear, reason: "not reported"}
    - {id: q2, judgement: unclear, reason: "not reported"}
    - {id: q3, judgement: unclear, reason: "not reported"}
    - {id: q4, judgement: unclear, reason: "not reported"}
    - {id: q5, judgement: unclear, reason: "not reported"}
    - {id: q6, judgement: unclear, reason: "not reported"}
    - {id: q7, judgement: unclear, reason: "not reported"}
    - {id: q8, judgement: unclear, reason: "not reported"}
    - {id: q9, judgement: unclear, reason: "not reported"}
    - {id: q10, judgement: unclear, reason: "not reported"}
  overall: unclear
  reason: "a made-up study for the test"
flags:
  - field: n_patients
    note: "A *made-up* flag for the test: `code` and {cite:p}`x` stay text."
"""


def test_a_new_study_file_appears_in_the_evidence_table_and_is_cited(tmp_path, monkeypatch):
    from figures import dataset, paths, render, tables, text

    data = copy_project(tmp_path / "book") / "data"
    (data / "studies" / "berger2013relationship.yaml").write_text(NEW_WT_STUDY, encoding="utf-8")
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(data))
    dataset.load_dataset.cache_clear()
    try:
        table = tables.evidence_table("wt")
        assert "Berger 2013" in list(table["Study"])
        labels = list(table["Study"])
        assert labels.index("Berger 2013") > labels.index("Ehrlich 2009"), "rows are not oldest first"
        assert "Berger 2013" not in list(tables.evidence_table("nb")["Study"])
        shown = render.table(table).markdown
        # Contributor text is escaped: no emphasis, code or citation role survives from the flag.
        assert "\\*made\\-up\\*" in shown and "\\`code\\`" in shown and "\\{cite\\:p\\}" in shown
        # The chapter's sentence above the table cites every study, oldest first.
        intro = text.evidence_intro("wt", "tab-wt-evidence", tables.EVIDENCE_STUDIES).markdown
        assert "5 studies" not in intro and "6 studies" in intro
        assert intro.index("ehrlich2009hepatic") < intro.index("berger2013relationship")
    finally:
        dataset.load_dataset.cache_clear()
