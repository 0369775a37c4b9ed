"""Charts of one study's results: its estimates per group, and its estimates over time.

Data in (a frame of ``figures.chart_data``), chart out; each chart's text alternative is written
from the same frame. The words of the axis (the measure) and the study's label come with the call.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures import formats, palette
from figures.chart_data import LINE_BREAK


def study_outcomes(frame: pd.DataFrame, measure: str) -> alt.LayerChart:
    """One study's estimates of ``measure`` (its words) per group as points, with their CI where
    one is reported.

    Groups are coloured by the contrast they belong to, so a reader sees which figures the study
    compares; a group without a reported CI has no bar (absence is visible, not filled in).
    """
    order = list(frame["group"])
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color(
            "contrast:N",
            # Long contrast descriptions are wrapped (python) and split into lines (Vega).
            legend=alt.Legend(
                title="Contrast",
                orient="bottom",
                direction="vertical",
                labelLimit=0,
                labelExpr=f"split(datum.label, '{LINE_BREAK}')",
            ),
            scale=alt.Scale(range=palette.CATEGORIES),
        ),
    )
    axis = alt.X("estimate:Q", title=f"{measure} (%)", scale=alt.Scale(domain=[0, 100]))
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", scale=alt.Scale(domain=[0, 100])), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=90).encode(
        x=axis,
        shape=alt.Shape("contrast:N", legend=None),
        tooltip=["group", "estimate", "ci_low", "ci_high", "comparison", "p"],
    )
    labels_layer = base.mark_text(align="left", dx=8, dy=-8, fontSize=11).encode(x="estimate:Q", text="label:N")
    return alt.layer(bars, points, labels_layer).properties(width=340, height=28 * len(frame))


def study_outcomes_description(frame: pd.DataFrame, measure: str, study: str) -> str:
    """The text alternative of :func:`study_outcomes`: every group's estimate and CI."""
    parts = []
    for r in frame.itertuples():
        reported = pd.notna(r.ci_low) and pd.notna(r.ci_high)
        ci = (
            f" (95% CI {formats.number(r.ci_low)}% to {formats.number(r.ci_high)}%)"
            if reported
            else " (no CI reported)"
        )
        parts.append(f"{r.group}: {formats.number(r.estimate)}%{ci}")
    return f"{measure} by group in {study}: " + "; ".join(parts) + "."


def study_timecourse(frame: pd.DataFrame) -> alt.Chart:
    """Survival-type estimates of one study at each reported time point, one line per measure."""
    return (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=80))
        .encode(
            x=alt.X("months:Q", title="Months after resection", scale=alt.Scale(domainMin=0)),
            y=alt.Y("estimate:Q", title="Patients (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("series:N", legend=alt.Legend(title=None, orient="bottom", labelLimit=360)),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=["measure", "group", "months", "estimate"],
        )
        .properties(width=360, height=220)
    )


def study_timecourse_description(frame: pd.DataFrame, study: str) -> str:
    parts = [
        f"{r.series}: {formats.number(r.estimate)}% at {formats.number(r.months)} months" for r in frame.itertuples()
    ]
    return f"Line chart of the time-point estimates of {study}: " + "; ".join(parts) + "."
