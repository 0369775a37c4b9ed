"""What the book does above today's dataset (issue 11's x100 scale): a citation sentence cites in
groups, a chart with one row per study draws only the most recent ones and says how many it
leaves out, a tumour's evidence table shows only its most recent studies and says where the others
are, and the evidence explorer's page holds a bounded number of rows (every row is in the rows
script the build writes beside the downloads). Fast: synthetic studies (copies of the real ones
under new keys), no Sphinx build."""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pytest
from sphinxcontrib.bibtex.citation_target import parse_citation_targets

from figures import chapter, chart_data, chart_drawings, dataset, explorer, formats, render, tables, text

ROLE = re.compile(r"\{cite:p\}`([^`]*)`")
SPEC = re.compile(r'<script type="application/json" id="[^"]+-spec">(.*?)</script>', re.S)


def _synthetic(count: int) -> list[dict]:
    """``count`` copies of the real studies, copy ``i`` published in the year ``1000 + i`` (so the
    most recent are those with the largest ``i``), each with its own key."""
    real = dataset.studies()
    records = []
    for i in range(count):
        record = copy.deepcopy(real[i % len(real)])
        record["citation"] = f"syn{i:05d}"
        record["label"] = f"Synthetic {i} {1000 + i}"
        records.append(record)
    return records


@pytest.fixture
def many_studies(monkeypatch):
    """900 studies: about 9,000 appraisal rows (over Altair's 5,000), every tool over the chart's
    limit, over 300 neuroblastoma studies. Charts are not drawn (vl-convert): their specs are read."""
    records = _synthetic(900)
    # Not compiled to Vega either: the page then carries the Vega-Lite spec, whose datasets are read.
    monkeypatch.setattr(chart_drawings, "vega_spec", lambda spec: spec)
    monkeypatch.setattr(chart_drawings, "chart_svg", lambda spec, vega=None: "<svg></svg>")
    monkeypatch.setattr(
        dataset, "studies", lambda tumour=None: [r for r in records if tumour in (None, r["population"]["tumour"])]
    )
    return records


def _chart_rows(display: render.Display) -> list[dict]:
    spec = json.loads(SPEC.search(display.bundle["text/html"]).group(1))
    return [row for rows in spec["datasets"].values() for row in rows]


def test_a_role_never_holds_more_than_the_group_and_keeps_every_key_in_order():
    keys = [f"author{i}2020study" for i in range(250)]  # keys of the schema's pattern
    roles = ROLE.findall(text.cite_roles(keys))
    assert [len(r.split(",")) for r in roles] == [100, 100, 50]
    assert ",".join(roles).split(",") == keys
    # Each role parses (a single role of 1,000 keys overflows sphinxcontrib-bibtex's parser).
    assert [t.key for r in roles for t in parse_citation_targets(r)] == keys
    # Up to the group size: one role, the same text as before.
    assert text.cite_roles(keys[:100]) == text.cite_role(keys[:100])


def test_evidence_intro_of_a_large_tumour_cites_every_study_in_groups(many_studies):
    nb = [r["citation"] for r in many_studies if r["population"]["tumour"] == "nb"]
    assert len(nb) > 2 * text.CITE_GROUP
    markdown = text.evidence_intro("nb", "tab-nb-evidence", tables.EVIDENCE_STUDIES).markdown
    roles = ROLE.findall(markdown)
    assert len(roles) == -(-len(nb) // 100)
    assert sorted(",".join(roles).split(",")) == sorted(nb)
    assert markdown.startswith(f"The dataset holds {len(nb)} studies of this tumor ")


def test_most_recent_keeps_the_latest_studies_rows_and_counts_the_others():
    frame = pd.DataFrame(
        [{"citation": f"s{i}", "label": f"S {1900 + i}", "item": item} for i in range(100) for item in "abc"]
    )
    shown, left_out = chart_data.most_recent(frame, 60)
    assert left_out == 40
    assert set(shown["citation"]) == {f"s{i}" for i in range(40, 100)}
    assert len(shown) == 180 and list(shown["item"][:3]) == ["a", "b", "c"]
    small = frame[frame["citation"].isin(["s1", "s2"])]
    assert chart_data.most_recent(small, 60) == (small, 0)


def test_today_s_charts_are_under_the_limit():
    # The threshold is well above today's dataset, so every chart of today's book is whole.
    assert chart_data.survival_by_age()["citation"].nunique() <= chart_data.CHART_STUDIES // 2
    appraised = dataset.appraisals()
    assert appraised.groupby("tool")["citation"].nunique().max() <= chart_data.CHART_STUDIES // 2


def test_traffic_light_of_thousands_of_studies_draws_the_latest_and_says_how_many_are_left(many_studies):
    parts = chapter.appraisals().parts
    notes = [p for p in parts if "text/html" not in p.bundle]
    charts = [p for p in parts if "text/html" in p.bundle]
    by_tool: dict[str, list[dict]] = {}
    for record in many_studies:
        by_tool.setdefault(record["appraisal"]["tool"], []).append(record)
    # Per tool: the traffic light, the note (the tool has more studies than the limit), the summary.
    assert len(charts) == 2 * len(by_tool) and len(notes) == len(by_tool)
    for index, records in enumerate(by_tool.values()):
        latest = {r["label"] for r in records[-60:]}
        assert {row["label"] for row in _chart_rows(charts[2 * index]) if "label" in row} == latest
        assert f"the 60 most recent of {len(records)} studies" in notes[index].bundle["text/plain"]
        assert f"the other {len(records) - 60} are left out" in notes[index].bundle["text/plain"]


def test_survival_by_age_of_thousands_of_studies_draws_the_latest(many_studies):
    def reports_survival(record):
        return any(
            o["measure"] in ("OS", "EFS", "DFS") and o["kind"] == "survival" and o["estimate"] is not None
            for o in record.get("outcomes") or []
        )

    reporting = [r for r in many_studies if reports_survival(r)]
    drawn = chapter.survival_by_age()  # one output: the cell is a figure
    note = drawn
    rows = {row["row"] for row in _chart_rows(drawn)}
    ending = (
        f"of {len(reporting)} studies; the other {len(reporting) - 60} are left out of it, "
        "and all of them are in the evidence tables and the dataset download.</p>\n"
    )
    assert drawn.bundle["text/html"].endswith(ending)
    assert {label for label in (r["label"] for r in reporting) if any(x.startswith(label + " (") for x in rows)} == {
        r["label"] for r in reporting[-60:]
    }
    assert f"the 60 most recent of {len(reporting)} studies" in note.bundle["text/plain"]


def test_contrasts_of_thousands_of_studies_draw_the_latest_studies_panels(many_studies):
    def has_contrast(record):
        kinds = {"proportion", "survival", "prevalence"}
        return any(o.get("comparison") and o["kind"] in kinds for o in record.get("outcomes") or [])

    copies = [r for r in many_studies if has_contrast(r)]
    assert len(copies) > 60
    drawn, note = chapter.contrasts_chart().parts
    studies = {row["study"] for row in _chart_rows(drawn) if "study" in row}
    assert studies == {r["label"] for r in copies[-60:]}
    assert f"the 60 most recent of {len(copies)} studies" in note.bundle["text/plain"]


def test_today_s_tables_are_under_the_limits():
    # The thresholds are well above today's dataset, so today's evidence tables and explorer page
    # are whole (and their visible text what it was before the limits).
    per_tumour = pd.Series([s["population"]["tumour"] for s in dataset.studies()]).value_counts()
    assert per_tumour.max() <= tables.EVIDENCE_STUDIES // 2
    assert len(dataset.outcomes()) <= explorer.PAGE_ROWS // 2


def _table_labels(markdown: str) -> list[str]:
    # A list-table row opens with "* - <first cell>"; the first row is the header.
    return [line.removeprefix("* - ") for line in markdown.splitlines() if line.startswith("* - ")][1:]


def test_evidence_table_of_thousands_of_studies_shows_the_latest_and_says_where_the_others_are(many_studies):
    nb = [r for r in many_studies if r["population"]["tumour"] == "nb"]
    assert len(nb) > 2 * tables.EVIDENCE_STUDIES
    table, note = chapter.evidence_table("nb", caption="Neuroblastoma").parts
    latest = [r["label"] for r in nb[-tables.EVIDENCE_STUDIES :]]  # synthetic years rise with the index
    assert _table_labels(table.markdown) == [render.escape_markdown(label) for label in latest]
    others = len(nb) - tables.EVIDENCE_STUDIES
    assert note.bundle["text/plain"] == (
        f"This table shows the 60 most recent of {len(nb)} studies; the other {others}, and all of their "
        "outcomes, are in the evidence explorer of Evidence tables and in the dataset download."
    )
    assert "{doc}`/book/evidence-tables`" in note.markdown
    # The sentence above the table still cites every study, and says the table shows the latest.
    intro = chapter.evidence_intro("nb").markdown
    assert "the 60 most recent set out in {numref}`tab-nb-evidence`" in intro
    assert sorted(",".join(ROLE.findall(intro)).split(",")) == sorted(r["citation"] for r in nb)


def test_explorer_page_holds_the_first_rows_and_its_script_every_row(many_studies):
    outcomes = dataset.outcomes()
    assert len(outcomes) > 2 * explorer.PAGE_ROWS
    page = chapter.evidence_explorer().bundle["text/html"]
    assert page.count("<tr data-age=") == explorer.PAGE_ROWS
    assert f'<script defer src="../downloads/{explorer.ROWS_FILE}"></script>' in page
    assert f"This page holds the first 200 of {formats.count(len(outcomes))} outcomes" in page
    assert 'href="../downloads/hepmet-outcomes.csv"' in page
    # Twice the studies: the same number of rows in the page, so about the same bytes.
    doubled = many_studies + _synthetic(1800)[900:]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            dataset, "studies", lambda tumour=None: [r for r in doubled if tumour in (None, r["population"]["tumour"])]
        )
        bigger = chapter.evidence_explorer().bundle["text/html"]
    assert bigger.count("<tr data-age=") == explorer.PAGE_ROWS and len(bigger) < 1.01 * len(page)
    # The rows script: every row, in the page's order, as JavaScript assigning them to the global.
    script = explorer.site_files(outcomes)[explorer.ROWS_FILE].decode("utf-8")
    prefix = f'window.{explorer.ROWS_GLOBAL}["evidence-explorer"] = '
    (line,) = [x for x in script.splitlines() if x.startswith(prefix)]
    data = json.loads(line.removeprefix(prefix).removesuffix(";"))
    assert len(data["rows"]) == len(outcomes)
    first = explorer.evidence_rows(outcomes).iloc[0]
    assert [data["strings"][i] for i in data["rows"][0][:3]] == [first["age_class"], first["study"], first["tumour"]]
    assert script == explorer.site_files(outcomes)[explorer.ROWS_FILE].decode("utf-8")  # same bytes
