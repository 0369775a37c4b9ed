"""What the chapters call: one function per output, each returning one display object.

A chapter's code cells import this module only and make one-line calls; the figure captions and
the prose stay in the chapter. Each function decides what its output needs (the frame, the words,
a table's label and column widths) and hands one :class:`figures.render.Display` back; a chart and
its text alternative are computed from one frame here, so they cannot disagree. An output with no
data yet is a sentence that says so.

The ``glue_*`` functions store numbers for the prose (``{glue:text}`` roles) and show nothing.
"""

from __future__ import annotations

from myst_nb import glue

from figures import (
    appraisal,
    chart_data,
    charts_ages,
    charts_background,
    charts_studies,
    citation,
    contrasts,
    dataset,
    decision_tables,
    downloads,
    explorer,
    forest,
    formats,
    labels,
    management,
    pooling,
    prisma,
    render,
    schemas,
    tables,
    text,
    whats_new,
)
from figures import (
    evidence_map as evidence_maps,
)
from figures import (
    summary_of_findings as sof,
)
from figures.render import Display, Displays

# --- Numbers for the prose ----------------------------------------------------------------------


def glue_facts(*topics: str) -> None:
    """Every fact of ``data/facts/<topic>.yaml`` as ``fact_<id>``."""
    for topic in topics:
        text.glue_facts(topic)


def glue_studies(*citations: str) -> None:
    """Each study's counts, outcomes and p-values as ``<citation>_<name>``."""
    for key in citations:
        text.glue_study(key)


def glue_tumours() -> None:
    """Table 1's ranges and counts (``tumour_<code>_metastatic``, ``tumours_total``...)."""
    text.glue_tumours()


def glue_consistency_check(key: str, topic: str, part_ids: list[str], study: str) -> None:
    """Subgroup counts checked against a study's size (``<key>_total``, ``<key>_n``, ``<key>_share_<id>``)."""
    text.glue_consistency_check(key, topic, part_ids, study)


def glue_uncovered_sizes(key: str, study: str) -> None:
    """The sizes a study's printed recommendations leave without advice, as ``key``."""
    glue(key, decision_tables.uncovered(study), display=False)


# --- Tables -------------------------------------------------------------------------------------


# Published anchors that predate the rule ``tab-<tumour>-evidence``: kept, so links to them hold.
EVIDENCE_TABLE_NAMES = {"mixed": "tab-adult-mixed-evidence"}


def evidence_table_name(tumour: str) -> str:
    """The label of a tumour's evidence table, for ``{numref}``."""
    return EVIDENCE_TABLE_NAMES.get(tumour, f"tab-{tumour}-evidence")


def evidence_intro(tumour: str) -> Display:
    """The sentence above a tumour's evidence table: how many studies, each cited, oldest first, and
    how many of them the table shows."""
    return text.evidence_intro(tumour, evidence_table_name(tumour), tables.EVIDENCE_STUDIES)


def evidence_table(tumour: str, caption: str) -> Display | Displays:
    """A tumour's evidence table: one row per study, oldest first; above ``tables.EVIDENCE_STUDIES``
    studies, the most recent ones and a sentence saying where all of them are (in both editions)."""
    limit = tables.EVIDENCE_STUDIES
    table = render.table(
        tables.evidence_table(tumour, limit),
        caption=caption,
        name=evidence_table_name(tumour),
        widths=tables.EVIDENCE_WIDTHS,
    )
    total = len(dataset.studies(tumour))
    if total <= limit:
        return table
    return Displays([table, text.table_limit_note(limit, total)])


def flags_note(*topics: str) -> Display | Displays:
    """The note on the inconsistencies of the source's background figures (empty when none)."""
    return text.flags_note(topics)


def table1(caption: str) -> Display:
    return render.table(tables.table1(), caption=caption, name="tab-table1")


def screening_rounds(caption: str) -> Display:
    return render.table(tables.screening_rounds(), caption=caption, name="tab-methods-rounds")


def studies_by_design(caption: str) -> Display:
    return render.table(tables.studies_by_design(), caption=caption, name="tab-methods-designs")


def size_recommendations(study: str, caption: str, name: str) -> Display:
    """A study's advice by size and sex, computed from its recorded rules; ``name`` is its label."""
    return render.table(decision_tables.size_recommendations(study), caption=caption, name=name)


def candidate_references() -> Display | Displays:
    return text.candidate_references()


# --- Charts of the background and of single studies --------------------------------------------


def table1_ranges() -> Display:
    frame = chart_data.table1_ranges()
    return render.chart(charts_background.table1_ranges(frame), charts_background.table1_description(frame))


def fact_ranges(topic: str, groups: dict[str, str], axis_title: str, described_as: str) -> Display:
    """Ranges of the facts ``groups`` (id -> label); ``described_as`` opens the text alternative."""
    frame = chart_data.fact_ranges(topic, groups)
    return render.chart(
        charts_background.fact_ranges(frame, axis_title), charts_background.fact_ranges_description(frame, described_as)
    )


def survival_trend(topic: str, groups: dict[str, str]) -> Display:
    """Survival in two periods for each fact pair ``<stem>-before``/``-after`` of ``groups`` (stem -> label)."""
    frame = chart_data.survival_trend(topic, groups)
    return render.chart(charts_background.survival_trend(frame), charts_background.survival_trend_description(frame))


def study_outcomes(study: str, measure: str) -> Display:
    frame = chart_data.study_percent_outcomes(study, measure)
    words, label = labels.word(labels.MEASURES, measure), dataset.study(study)["label"]
    return render.chart(
        charts_studies.study_outcomes(frame, words), charts_studies.study_outcomes_description(frame, words, label)
    )


def study_timecourse(study: str) -> Display:
    frame = chart_data.study_timecourse(study)
    label = dataset.study(study)["label"]
    return render.chart(
        charts_studies.study_timecourse(frame), charts_studies.study_timecourse_description(frame, label)
    )


# Where every study of a chart that draws only the most recent ones can be found.
_ALL_STUDIES_AT = "in the evidence tables and the dataset download"


def survival_by_age() -> Display:
    """The survival estimates by age group, of the ``chart_data.CHART_STUDIES`` most recent studies
    that report one, with a sentence when others are left out."""
    frame, left_out = chart_data.most_recent(chart_data.survival_by_age())
    drawn = render.chart(charts_ages.survival_by_age(frame), charts_ages.survival_by_age_description(frame))
    if not left_out:
        return drawn
    shown = frame["citation"].nunique()
    note = text.chart_limit_note(shown, shown + left_out, "the survival estimates", _ALL_STUDIES_AT)
    return render.with_note(drawn, note.bundle["text/plain"])  # a figure: one output


def studies_by_age(tumours: list[str]) -> Display:
    frame = chart_data.studies_by_age(tumours)
    return render.chart(charts_ages.studies_by_age(frame), charts_ages.studies_by_age_description(frame))


# --- Synthesis, appraisal and the evidence tables chapter ---------------------------------------


def pooled_estimates() -> Display | Displays:
    """Every declared pool's forest plot and the pooling table, or one sentence when none is declared."""
    decisions = pooling.decide_all(dataset.pools(), dataset.outcomes())
    if not decisions:
        return render.notice(
            "No set of three or more studies has yet been declared comparable enough to pool, "
            "so this edition pools nothing and draws no forest plot."
        )
    plots = [render.chart(forest.forest_chart(d), forest.description(d)) for d in decisions]
    if all(d.pooled is None for d in decisions):
        # No pooled result: a sentence, not a table whose result columns are all empty.
        reasons = "; ".join(f"{forest.title(d)}: {d.reason}" for d in decisions)
        count = formats.plural(len(decisions), "declared set")
        return Displays([*plots, render.notice(f"None of the {count} could be pooled in this edition ({reasons}).")])
    table = render.table(
        tables.pooling_table(decisions),
        caption="Declared pools: the pooled result, or why it is not pooled",
        name="tab-pooling",
    )
    return Displays([*plots, table])


def contrasts_chart() -> Display | Displays:
    """Every within-study contrast given as percentages: one small panel per study and comparison."""
    frame = contrasts.contrast_frame(dataset.outcomes())
    if frame.empty:
        return render.notice("No study in the dataset compares subgroups of its patients as percentages yet.")
    # The panels of the CHART_STUDIES most recent studies (a panel is "<citation>/<comparison>").
    keyed = frame.assign(citation=frame["panel"].str.split("/").str[0], label=frame["study"])
    recent, left_out = chart_data.most_recent(keyed)
    recent = recent.drop(columns=["citation", "label"])
    drawn = render.chart(contrasts.contrasts_chart(recent), contrasts.description(recent))
    if not left_out:
        return drawn
    shown = recent["panel"].str.split("/").str[0].nunique()
    return Displays([drawn, text.chart_limit_note(shown, shown + left_out, "the contrasts", _ALL_STUDIES_AT)])


def evidence_map() -> Display | Displays:
    """The evidence map (tumour by intervention, by kind of series) and the same as a table."""
    cells = evidence_maps.evidence_map(dataset.studies())
    if cells.empty:
        return render.notice("No study in the dataset records an intervention yet, so the evidence map is empty.")
    chart = render.chart(
        evidence_maps.evidence_map_chart(cells),
        "Evidence map: for each tumour (rows) and intervention (columns), a circle per kind of series "
        "(pediatric, adult or mixed ages) whose area is the number of patients "
        "and whose label is the number of studies.",
    )
    table = render.table(
        evidence_maps.evidence_map_table(cells),
        caption="Studies (patients) by tumour, intervention and series",
        name="tab-evidence-map",
    )
    return Displays([chart, table])


def prisma_flow() -> Display:
    rounds = dataset.screening()
    if not rounds:
        return render.notice("No screening round is recorded in the dataset yet, so there is no flow diagram.")
    on_file = len(dataset.studies())
    return render.chart(prisma.prisma_chart(rounds, on_file), prisma.description(rounds, on_file))


def evidence_explorer(page_depth: int = 1) -> Display:
    """The explorable table of every outcome, for a page ``page_depth`` folders below the site root
    (its rows load from the downloads folder)."""
    outcomes = dataset.outcomes()
    if outcomes.empty:
        return render.notice("No study in the dataset reports an outcome yet, so the evidence table is empty.")
    return explorer.explorer_table(
        outcomes, caption="Every outcome of every study in the dataset", page_depth=page_depth
    )


def appraisals() -> Display | Displays:
    """Per appraisal tool: the traffic-light chart of every study's judgements and the summary bars."""
    rows = dataset.appraisals()
    if rows.empty:
        return render.notice("No study in the dataset carries a risk-of-bias appraisal yet.")
    names = {tool: spec["name"] for tool, spec in schemas.appraisal_tools().items()}
    charts = []
    for tool in appraisal.tools(rows):
        frame, name = appraisal.tool_frame(rows, tool), names[tool]
        recent, left_out = chart_data.most_recent(frame)
        charts.append(
            render.chart(appraisal.traffic_light_chart(recent, name), appraisal.traffic_light_description(recent, name))
        )
        if left_out:
            shown = recent["citation"].nunique()
            where = "counted in the summary chart below and listed in the dataset download"
            charts.append(text.chart_limit_note(shown, shown + left_out, "the judgements", where))
        charts.append(render.chart(appraisal.summary_chart(frame, name), appraisal.summary_description(frame, name)))
    return Displays(charts)


def summary_of_findings() -> Display | Displays:
    """One summary-of-findings table per tumour that has GRADE rows in ``data/grade/``."""
    tumours = sof.graded_tumours()
    if not tumours:
        return render.notice("No clinical question has been graded yet (data/grade/ is empty).")
    return Displays(
        [
            render.table(sof.sof_table(t), caption=sof.caption(t), name=f"tab-sof-{t}", widths=sof.WIDTHS)
            for t in tumours
        ]
    )


# --- Conclusion, front matter, downloads, editions ----------------------------------------------


def management_summary() -> Display:
    return management.summary_table()


def bottom_lines() -> Display:
    return management.bottom_lines()


def cite_box() -> Display:
    return citation.cite_box()


def download_links(page_depth: int = 1) -> Display:
    return downloads.links(page_depth=page_depth)


def this_edition() -> Display:
    return whats_new.this_edition()


def edition_history() -> Display:
    return whats_new.history_display()
