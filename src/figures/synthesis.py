"""The synthesis and evidence-tables chapters' calls: each shows its output, or says why there is none.

Chapters call one function per output; the computing lives in ``forest``, ``stats``,
``evidence_map``, ``prisma``, ``explorer`` and ``downloads``.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import display

from figures import dataset, evidence_map, explorer, forest, labels, prisma, render, stats


class Notice:
    """A sentence in place of an output that has no data yet (plain text: never markup)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": render.escape_markdown(self.text), "text/plain": self.text}


def show_forest_plots() -> Notice | None:
    """Every forest plot of the dataset, one after the other."""
    plots = forest.forest_plots(dataset.outcomes())
    if not plots:
        return Notice("No study in the dataset reports an outcome as a percentage yet, so there is no forest plot.")
    for plot in plots:
        display(render.show_chart(forest.forest_chart(plot), forest.description(plot)))
    return None


def pooling_table() -> pd.DataFrame:
    """Every candidate set of every forest plot: the pooled result, or the reason nothing is pooled."""
    rows = []
    for plot in forest.forest_plots(dataset.outcomes()):
        for s in plot.sets:
            row = {
                "Tumour": labels.TUMOURS.get(plot.tumour, plot.tumour),
                "Outcome": labels.MEASURE_NAMES.get(plot.measure, plot.measure),
                "Time point": forest.timepoint_text(s.timepoint),
                "Series": s.age,
                "Studies": s.rows["citation"].nunique(),
            }
            if s.pooled is None:
                row.update({"Pooled (95% CI)": None, "Prediction interval": None, "Heterogeneity": None, "Not pooled because": s.reason})
            else:
                b = s.pooled.back_transformed(s.scale)
                row.update(
                    {
                        "Pooled (95% CI)": f"{100 * b['estimate']:.1f}% ({100 * b['ci_low']:.1f}\u2013{100 * b['ci_high']:.1f})",
                        "Prediction interval": None if b["pi_low"] is None else f"{100 * b['pi_low']:.1f}\u2013{100 * b['pi_high']:.1f}",
                        "Heterogeneity": stats.heterogeneity_text(s.pooled),
                        "Not pooled because": None,
                    }
                )
            rows.append(row)
    return pd.DataFrame(rows)


def show_pooling_table():
    table = pooling_table()
    if table.empty:
        return Notice("There is nothing to pool or to explain yet: no outcome is reported as a percentage.")
    pooled = table["Not pooled because"].isna().sum()
    caption = f"Pooled estimates ({pooled} of {len(table)} sets pooled) and why the others are not pooled"
    return render.show_table(table, caption=caption, name="tab-pooling")


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
