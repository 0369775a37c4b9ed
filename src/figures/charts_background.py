"""Charts of the background figures: Table 1's ranges, ranges of facts, survival in two periods.

Data in (a frame of ``figures.chart_data``), chart out; each chart's text alternative is written
from the same frame. Rendering is ``figures.render``'s job.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures import formats, palette

SOURCES = ["pediatric series", "adult series"]


def table1_ranges(frame: pd.DataFrame) -> alt.Chart:
    """The Table 1 ranges as bars per tumour; adult-derived figures in another colour and dashed."""
    order = list(dict.fromkeys(frame["tumour"]))
    return (
        alt.Chart(frame[["tumour", "measure", "low", "high", "source"]])
        # Adult-derived ranges differ by colour, by a dashed outline and by a paler fill, so the
        # difference survives greyscale printing and colour-vision deficiencies.
        .mark_bar(size=12, strokeWidth=1.5)
        .encode(
            y=alt.Y("tumour:N", sort=order, title=None),
            x=alt.X("low:Q", title="Patients (%)", scale=alt.Scale(domain=[0, 100])),
            x2="high:Q",
            color=alt.Color(
                "source:N",
                scale=alt.Scale(domain=SOURCES, range=[palette.PEDIATRIC, palette.ADULT]),
                legend=alt.Legend(title="Figure comes from", orient="bottom"),
            ),
            stroke=alt.Stroke(
                "source:N",
                scale=alt.Scale(domain=SOURCES, range=[palette.PEDIATRIC, palette.ADULT_OUTLINE]),
                legend=None,
            ),
            strokeDash=alt.StrokeDash("source:N", scale=alt.Scale(domain=SOURCES, range=[[1, 0], [4, 2]]), legend=None),
            fillOpacity=alt.FillOpacity("source:N", scale=alt.Scale(domain=SOURCES, range=[1.0, 0.45]), legend=None),
            tooltip=["tumour", "measure", "low", "high", "source"],
        )
        .properties(width=220, height=160)
        .facet(column=alt.Column("measure:N", title=None, sort=list(dict.fromkeys(frame["measure"]))))
    )


def table1_description(frame: pd.DataFrame) -> str:
    """The Table 1 chart in words (its text alternative)."""
    parts = []
    for name, rows in frame.groupby("name", sort=False):
        ranges = {
            r.prefix: formats.value_range(r.low, r.high, "percent")
            + (" (adult series)" if r.source == "adult series" else "")
            for r in rows.itertuples()
        }
        parts.append(
            f"{name}: metastatic at diagnosis {ranges['metastatic']}, hepatic metastatic disease {ranges['hepatic']}"
        )
    return (
        "Ranges of patients by tumor, pediatric figures in solid blue bars, "
        "adult-derived figures in dashed orange bars. " + "; ".join(parts) + "."
    )


def fact_ranges(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Ranges (``low``-``high``) per group, end points as dots and the range written beside them."""
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", sort=list(frame["group"]), title=None, axis=alt.Axis(labelLimit=260))
    )
    bars = base.mark_bar(size=14, color=palette.PEDIATRIC).encode(
        x=alt.X("low:Q", title=title, scale=alt.Scale(domain=[0, 100])), x2="high:Q", tooltip=["group", "low", "high"]
    )
    # End points as dots, so that a single value (low equal to high) is visible, not a bar of no width.
    low_dots = base.mark_point(filled=True, size=70, color=palette.PEDIATRIC, opacity=1).encode(
        x="low:Q", tooltip=["group", "range"]
    )
    high_dots = base.mark_point(filled=True, size=70, color=palette.PEDIATRIC, opacity=1).encode(
        x="high:Q", tooltip=["group", "range"]
    )
    ends = base.mark_text(align="left", dx=8, fontSize=11).encode(x="high:Q", text="range:N")
    return alt.layer(bars, low_dots, high_dots, ends).properties(width=380, height=34 * len(frame))


def fact_ranges_description(frame: pd.DataFrame, title: str) -> str:
    return f"{title}, as ranges: " + "; ".join(f"{r.group}: {r.range}" for r in frame.itertuples()) + "."


def survival_trend(frame: pd.DataFrame) -> alt.LayerChart:
    """Earlier and later 5-year survival per group, joined by a line (a dumbbell plot)."""
    periods = ["earlier", "later"]
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("survival:Q", title="5-year survival (%)", scale=alt.Scale(domain=[0, 100])),
    )
    line = base.mark_line(color=palette.EARLIER).encode(detail="group:N")
    points = base.mark_point(filled=True, size=90).encode(
        color=alt.Color(
            "period:N",
            scale=alt.Scale(domain=periods, range=[palette.EARLIER, palette.LATER]),
            legend=alt.Legend(title="Period", orient="bottom"),
        ),
        shape=alt.Shape("period:N", scale=alt.Scale(domain=periods, range=["circle", "diamond"]), legend=None),
        tooltip=["group", "period", "survival"],
    )
    return (line + points).properties(width=360, height=40 * frame["group"].nunique())


def survival_trend_description(frame: pd.DataFrame) -> str:
    by_period = frame.pivot(index="group", columns="period", values="survival")
    parts = [
        f"{group}: {formats.number(row['earlier'])}% earlier, {formats.number(row['later'])}% later"
        for group, row in by_period.iterrows()
    ]
    return "Dumbbell chart of 5-year survival in two periods. " + "; ".join(parts) + "."
