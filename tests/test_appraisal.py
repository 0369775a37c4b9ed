"""Risk-of-bias charts and GRADE summary-of-findings tables: marks, words, escaping, built pages."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from docutils.core import publish_string
from myst_parser.parsers.docutils_ import Parser

from chart_specs import datasets, page_specs, side_by_side
from figures import appraisal, dataset, grade, labels, paths, render, schemas, summary_of_findings

HOSTILE = 'x_y & 5% #1 {z} ~ ^ \\ <script>alert("q")</script>'


def _appraisals() -> pd.DataFrame:
    judgements = {"a": ["yes", "unclear", "no"], "b": ["unclear", "not-applicable", "yes"]}
    rows = []
    for citation, marks in judgements.items():
        for number, judgement in enumerate(marks, start=1):
            rows.append(
                {
                    "citation": citation,
                    "label": citation.upper() + " 2000",
                    "tumour": "wt",
                    "design": "retrospective-series",
                    "tool": "jbi-case-series",
                    "basis": "abstract",
                    "item": f"q{number}",
                    "domain": f"domain {number}",
                    "judgement": judgement,
                    "reason": "why",
                    "overall": "high" if citation == "a" else "unclear",
                    "overall_reason": "why",
                }
            )
    return pd.DataFrame(rows)


def _layer_rows(spec: dict) -> list[list[dict]]:
    return list(spec.get("datasets", {}).values())


def test_traffic_light_has_one_circle_and_letter_per_judgement_and_one_overall_per_study():
    frame = appraisal.tool_frame(_appraisals(), "jbi-case-series")
    spec = appraisal.traffic_light_chart(frame, "JBI checklist for case series").to_dict()
    items_panel, overall_panel = spec["hconcat"]
    assert [layer["mark"]["type"] for layer in items_panel["layer"]] == ["circle", "text"]
    data = {len(rows): rows for rows in _layer_rows(spec)}
    assert sorted(data) == [2, 6]  # 2 studies x 3 items, and one overall square per study
    assert [r["symbol"] for r in data[6]] == ["Y", "?", "N", "?", "NA", "Y"]
    assert [r["overall_symbol"] for r in data[2]] == ["H", "?"]
    # Colour is never the only cue: every judgement has a letter, and the legend says which.
    assert "Y = yes" in json.dumps(spec)


def test_summary_shares_add_up_to_all_studies_per_item():
    frame = appraisal.tool_frame(_appraisals(), "jbi-case-series")
    summary = appraisal.summary_frame(frame)
    assert summary.groupby("item")["share"].sum().tolist() == pytest.approx([100, 100, 100])
    assert summary.set_index(["item", "judgement"]).loc[("q1", "yes"), "studies"] == 1
    text = appraisal.summary_description(frame, "JBI checklist for case series")
    assert "Q2: domain 2: unclear 1, not applicable 1" in text


def _question(**changes) -> dict:
    domain = {"judgement": "serious", "reason": HOSTILE}
    question = {
        "id": "q",
        "tumour": "wt",
        "question": HOSTILE,
        "population": "children",
        "intervention": "resection",
        "comparison": None,
        "outcome": "EFS",
        "evidence": [{"citation": "s1", "outcomes": ["o"]}],
        "patients": 22,
        "effect": HOSTILE,
        "study_design": "observational",
        "domains": {
            "risk_of_bias": domain,
            "inconsistency": {"judgement": "not-serious", "reason": "single study"},
            "indirectness": {"judgement": "not-serious", "reason": "r"},
            "imprecision": {"judgement": "very-serious", "reason": "r"},
            "publication_bias": {"judgement": "undetected", "reason": "r"},
        },
        "upgrades": {"large_effect": 0, "dose_response": 0, "plausible_confounding": 0},
    }
    return {**question, **changes}


@pytest.fixture
def one_question(monkeypatch):
    monkeypatch.setattr(summary_of_findings.grade, "questions", lambda tumour=None: [_question()])
    monkeypatch.setattr(summary_of_findings.dataset, "study", lambda citation: {"label": "Study 2001"})


def test_summary_of_findings_row_states_domains_and_computed_certainty(one_question):
    (row,) = summary_of_findings.sof_table("wt").to_dict("records")
    assert row["Studies (patients)"] == "1 study, observational (Study 2001); 22 patients"
    assert "risk of bias: serious" in row["GRADE domains"] and "imprecision: very serious" in row["GRADE domains"]
    # Low (observational) minus 1 (serious) minus 2 (very serious) is clamped at very low.
    assert row["Certainty"] == "very low (starts low; 3 down, 0 up)"


def test_summary_of_findings_is_escaped_in_html_and_latex(one_question):
    table = render.table(summary_of_findings.sof_table("wt"), caption=HOSTILE, widths=summary_of_findings.WIDTHS)
    markdown = table._repr_mimebundle_()["text/markdown"]
    settings = {
        "myst_enable_extensions": ["colon_fence"],
        "output_encoding": "unicode",
        "report_level": 2,
        "halt_level": 2,
        "use_latex_citations": True,
        "legacy_column_widths": False,
    }
    html = publish_string(markdown, parser=Parser(), writer_name="html5", settings_overrides=settings)
    assert "<script>" not in html and "&lt;script&gt;" in html
    latex = publish_string(markdown, parser=Parser(), writer_name="latex", settings_overrides=settings)
    body = latex[latex.index("\\begin{longtable}") :]
    assert "x\\_y \\& 5\\% \\#1 \\{z\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}" in body


def test_built_appraisal_page_draws_every_study_judgement(built_site, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(built_site / "data"))
    rows = dataset.appraisals()
    page = (built_site / "_build" / "html" / "book" / "appraisal.html").read_text(encoding="utf-8")
    specs = page_specs(page)
    traffic_lights = [s for s in specs if side_by_side(s)]
    used = list(dict.fromkeys(rows["tool"]))
    assert len(traffic_lights) == len(used) and len(specs) == 2 * len(used)
    for tool, spec in zip(used, traffic_lights):
        expected = rows[rows["tool"] == tool]
        data = {len(r): r for r in datasets(spec)}
        assert len(expected) in data and expected["citation"].nunique() in data
        words = [labels.word(labels.APPRAISAL_JUDGEMENTS, j) for j in expected["judgement"]]
        assert [r["judgement_text"] for r in data[len(expected)]] == words
    labels_shown = re.findall(r'<div class="hepmet-chart"[^>]*aria-label="([^"]*)"', page)
    names = schemas.appraisal_tools()
    assert [label.split(":")[0] for label in labels_shown[::2]] == [
        f"Traffic-light chart of the {names[t]['name']}" for t in used
    ]


def test_built_summary_of_findings_tables_show_computed_certainty(built_site, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(built_site / "data"))
    soup = BeautifulSoup(
        (built_site / "_build" / "html" / "book" / "appraisal.html").read_text(encoding="utf-8"), "html.parser"
    )
    questions = grade.questions()
    assert questions, "data/grade/ holds no question"
    shown = []
    for tumour in summary_of_findings.graded_tumours():
        table = soup.find(id=f"tab-sof-{tumour}")
        assert table is not None, tumour
        shown += [tr.find_all("td")[-1].get_text(" ", strip=True) for tr in table.select("tbody tr")]
    # Worked out by hand from data/grade/<id>.yaml, not by figures.grade: every row is observational
    # (starts low) with no upgrade; the levels down are 1 per serious or suspected judgement and 2
    # per very serious one; one level down from low is already very low. Rows by tumour, then id.
    levels_down = {
        "nb": [3, 5, 3, 3],  # 4-late-liver-findings, 4s-chemoembolization, 4s-disease-death, prognosis
        "wt": [2, 4, 1, 3, 3],  # radiotherapy, complete resection, liver-mets EFS, vs other, primary resection
        "gct": [3],
        "gist": [4],
        "dsrct": [5, 5],  # cytoreduction, HIPEC
        "net": [6],
    }
    expected = [
        f"very low (starts low; {down} down, 0 up)"
        for tumour in summary_of_findings.graded_tumours()
        for down in levels_down[tumour]
    ]
    assert shown == expected
    assert len(shown) == len(questions)
