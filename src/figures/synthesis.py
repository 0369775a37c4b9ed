"""The synthesis and evidence-tables chapters' calls: each shows its output, or says why there is none.

Chapters call one function per output; the computing lives in ``forest``, ``contrasts``, ``stats``,
``evidence_map``, ``prisma``, ``explorer``, ``appraisal`` and ``summary_of_findings``.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import display

from figures import appraisal, contrasts, dataset, evidence_map, explorer, forest, prisma, render, schemas, stats, summary_of_findings, text


class Notice:
    """A sentence in place of an output that has no data yet (plain text: never markup)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": render.escape_markdown(self.text), "text/plain": self.text}


def show_pooled_estimates():
    """Every declared pool's forest plot and the pooling table, or one sentence when none is declared."""
    plots = forest.forest_plots(dataset.pools(), dataset.outcomes())
    if not plots:
        return Notice(
            "No set of three or more studies has yet been declared comparable enough to pool, "
            "so this edition pools nothing and draws no forest plot."
        )
    for plot in plots:
        display(render.show_chart(forest.forest_chart(plot), forest.description(plot)))
    if all(plot.pooled is None for plot in plots):
        # No pooled result: a sentence, not a table whose result columns are all empty.
        reasons = "; ".join(f"{plot.title}: {plot.reason}" for plot in plots)
        return Notice(f"None of the {text.plural(len(plots), 'declared set')} could be pooled in this edition ({reasons}).")
    return render.show_table(pooling_table(plots), caption="Declared pools: the pooled result, or why it is not pooled", name="tab-pooling")


def pooling_table(plots: list[forest.ForestPlot]) -> pd.DataFrame:
    """One row per declared pool: its members, the editor's comparability judgement, the result."""
    rows = []
    for plot in plots:
        row = {
            "Pool": plot.pool["id"],
            "Outcome": plot.title,
            "Members": "; ".join(f"{r.label} ({forest.n_text(r.n)})" for r in plot.rows.itertuples()),
            "Declared comparable": "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in (plot.pool.get("comparability") or {}).items()),
        }
        if plot.pooled is None:
            row.update({"Pooled (95% CI, HKSJ)": None, "Prediction interval": None, "Heterogeneity": None, "Not pooled because": plot.reason})
        else:
            b = plot.pooled.back_transformed(plot.scale)
            row.update(
                {
                    "Pooled (95% CI, HKSJ)": f"{100 * b['estimate']:.1f}% ({100 * b['ci_low']:.1f}\u2013{100 * b['ci_high']:.1f})",
                    "Prediction interval": f"{100 * b['pi_low']:.1f}\u2013{100 * b['pi_high']:.1f}",
                    "Heterogeneity": stats.heterogeneity_text(plot.pooled),
                    "Not pooled because": None,
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


def show_contrasts():
    """Every within-study contrast given as percentages: one small panel per study and comparison."""
    frame = contrasts.contrast_frame(dataset.outcomes())
    if frame.empty:
        return Notice("No study in the dataset compares subgroups of its patients as percentages yet.")
    return render.show_chart(contrasts.contrasts_chart(frame), contrasts.description(frame))


def show_evidence_map():
    studies = dataset.studies()
    cells = evidence_map.evidence_map(studies)
    if cells.empty:
        return Notice("No study in the dataset records an intervention yet, so the evidence map is empty.")
    display(render.show_chart(
        evidence_map.evidence_map_chart(cells),
        "Evidence map: for each tumour (rows) and intervention (columns), a circle per kind of series "
        "(pediatric, adult or mixed ages) whose area is the number of patients and whose label is the number of studies.",
    ))
    return render.show_table(evidence_map.evidence_map_table(cells), caption="Studies (patients) by tumour, intervention and series", name="tab-evidence-map")


def show_prisma():
    rounds = dataset.screening()
    if not rounds:
        return Notice("No screening round is recorded in the dataset yet, so there is no flow diagram.")
    on_file = len(dataset.studies())
    return render.show_chart(prisma.prisma_chart(rounds, on_file), prisma.description(rounds, on_file))


def show_evidence_explorer():
    outcomes = dataset.outcomes()
    if outcomes.empty:
        return Notice("No study in the dataset reports an outcome yet, so the evidence table is empty.")
    return explorer.show_explorer(outcomes, caption="Every outcome of every study in the dataset")


def show_appraisals():
    """Per appraisal tool: the traffic-light chart of every study's judgements and the summary bars."""
    rows = dataset.appraisals()
    if rows.empty:
        return Notice("No study in the dataset carries a risk-of-bias appraisal yet.")
    names = {tool: spec["name"] for tool, spec in schemas.appraisal_tools().items()}
    for tool in appraisal.tools(rows):
        frame = appraisal.tool_frame(rows, tool)
        display(render.show_chart(appraisal.traffic_light_chart(frame, names[tool]), appraisal.traffic_light_description(frame, names[tool])))
        display(render.show_chart(appraisal.summary_chart(frame, names[tool]), appraisal.summary_description(frame, names[tool])))
    return None


def show_summary_of_findings():
    """One summary-of-findings table per tumour that has GRADE rows in ``data/grade/``."""
    tumours = summary_of_findings.graded_tumours()
    if not tumours:
        return Notice("No clinical question has been graded yet (data/grade/ is empty).")
    for tumour in tumours:
        display(render.show_table(
            summary_of_findings.sof_table(tumour), caption=summary_of_findings.caption(tumour),
            name=f"tab-sof-{tumour}", widths=summary_of_findings.WIDTHS,
        ))
    return None
