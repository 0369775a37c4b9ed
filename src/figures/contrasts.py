"""Within-study contrasts: the arms of a comparison a study tests, drawn side by side per study.

Outcomes that carry a ``comparison`` id are subgroups of one cohort (for example patients with and
without primary resection of their liver metastases). They are not independent studies, so they
never become rows of a forest plot; each comparison gets its own small panel, with every arm's
estimate, its CI where the paper gave one, the arm's own number of patients and the p-value.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from figures import formats, labels, palette
from figures.pooling import POOLABLE_KINDS

PANEL_WIDTH = 300
TITLE_WIDTH = 70


def contrast_frame(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per arm of every within-study contrast given as a percentage (proportion, survival
    or prevalence), with its panel (study and comparison), arm label (with the arm's own n) and CI."""
    arms = outcomes[outcomes["comparison"].notna() & outcomes["kind"].isin(POOLABLE_KINDS)]
    rows = []
    for r in arms.sort_values(["tumour", "label", "comparison", "outcome_id"], kind="stable").itertuples():
        estimate = r.estimate
        if (estimate is None or pd.isna(estimate)) and pd.notna(r.events) and pd.notna(r.denominator) and r.denominator:
            estimate = 100 * r.events / r.denominator
        if estimate is None or pd.isna(estimate):
            continue
        measure = labels.word(labels.MEASURE_NAMES, r.measure)
        when = "" if pd.isna(r.timepoint_months) else f", {formats.timepoint_text(r.timepoint_months)}"
        rows.append(
            {
                "panel": f"{r.citation}/{r.comparison}",
                "study": r.label,
                "title": f"{r.label} ({labels.word(labels.TUMOURS, r.tumour)}): {measure}{when}, "
                f"{r.comparison_description} ({formats.p_text(r.p_value, r.p_relation)})",
                "arm": f"{r.group} ({formats.n_text(r.n)})",
                "estimate": float(estimate),
                "ci_low": None if pd.isna(r.ci_low) else float(r.ci_low),
                "ci_high": None if pd.isna(r.ci_high) else float(r.ci_high),
                "value": f"{formats.number(round(float(estimate), 1))}%"
                + (
                    f" ({formats.number(r.ci_low)}\u2013{formats.number(r.ci_high)})"
                    if pd.notna(r.ci_low) and pd.notna(r.ci_high)
                    else ""
                ),
            }
        )
    return pd.DataFrame(rows, columns=["panel", "study", "title", "arm", "estimate", "ci_low", "ci_high", "value"])


def _panel(frame: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(frame).encode(y=alt.Y("arm:N", sort=list(frame["arm"]), title=None, axis=alt.Axis(labelLimit=280)))
    x = alt.X("estimate:Q", title="Patients (%)", scale=alt.Scale(domain=[0, 100]))
    cis = base.mark_rule(strokeWidth=2, color=palette.STUDY).encode(
        x=alt.X("ci_low:Q", scale=alt.Scale(domain=[0, 100])), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=80, color=palette.STUDY, opacity=1).encode(
        x=x, tooltip=["arm:N", "value:N"]
    )
    values = base.mark_text(align="left", dx=8, dy=-8, fontSize=11).encode(x="estimate:Q", text="value:N")
    title = textwrap.wrap(frame["title"].iloc[0], TITLE_WIDTH)
    return alt.layer(cis, points, values).properties(
        width=PANEL_WIDTH, height=26 * len(frame), title=alt.Title(title, anchor="start", fontSize=12)
    )


def contrasts_chart(frame: pd.DataFrame) -> alt.VConcatChart:
    """One small panel per study and comparison, one above the other."""
    return alt.vconcat(*(_panel(group) for _, group in frame.groupby("panel", sort=False))).configure_view(stroke=None)


def description(frame: pd.DataFrame) -> str:
    """The text alternative: every panel with its arms, their n, estimates and CIs."""
    panels = [
        f"{group['title'].iloc[0]}: " + "; ".join(f"{a.arm} {a.value}" for a in group.itertuples())
        for _, group in frame.groupby("panel", sort=False)
    ]
    return f"Within-study contrasts, {formats.plural(len(panels), 'panel')}, one per study and comparison. " + " ".join(
        p + "." for p in panels
    )
