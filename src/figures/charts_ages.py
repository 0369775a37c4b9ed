"""Charts across studies by the patients' ages: survival estimates, and how many studies per tumour.

Data in (a frame of ``figures.chart_data``), chart out; each chart's text alternative is written
from the same frame. Colours come from ``figures.palette`` by age-group code, words from
``figures.labels``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures import formats, labels, palette


def _age_colour(frame: pd.DataFrame) -> alt.Color:
    """Colour by the patients' age group, in the vocabulary's order, legend in words."""
    present = [code for code in labels.AGE_GROUP_PATIENTS if code in set(frame["age_group"])]
    return alt.Color(
        "patients:N",
        scale=alt.Scale(
            domain=[labels.AGE_GROUP_PATIENTS[c] for c in present], range=[palette.AGE_GROUPS[c] for c in present]
        ),
        legend=alt.Legend(title="Patients", orient="bottom", columns=1, labelLimit=360),
    )


def survival_by_age(frame: pd.DataFrame) -> alt.Chart:
    """Survival estimates per study and group: colour = age group, shape = measure (adults marked)."""
    measures = [w for w in (labels.MEASURE_NAMES[m] for m in labels.SURVIVAL_MEASURES) if w in set(frame["measure"])]
    return (
        alt.Chart(frame[["row", "patients", "measure", "timepoint", "estimate"]])
        .mark_point(filled=True, size=100, opacity=0.85)
        .encode(
            y=alt.Y("row:N", title=None, sort=list(dict.fromkeys(frame["row"])), axis=alt.Axis(labelLimit=420)),
            x=alt.X(
                "estimate:Q",
                title="Patients surviving / event-free / disease-free (%)",
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=_age_colour(frame),
            shape=alt.Shape(
                "measure:N",
                scale=alt.Scale(domain=measures),
                legend=alt.Legend(title="Measure", orient="bottom", columns=1),
            ),
            tooltip=[
                "row",
                alt.Tooltip("patients:N", title="patients"),
                "measure",
                alt.Tooltip("timepoint:N", title="time point"),
                "estimate",
            ],
        )
        .properties(width=300, height=22 * frame["row"].nunique() + 20)
    )


def survival_by_age_description(frame: pd.DataFrame) -> str:
    parts = [
        f"{r.row}, {r.patients}, {r.measure} {formats.number(r.estimate)}% ({r.timepoint})" for r in frame.itertuples()
    ]
    return "Dot chart of survival estimates by study, group and age group of the patients. " + "; ".join(parts) + "."


def studies_by_age(frame: pd.DataFrame) -> alt.Chart:
    """Stacked bars: how many studies the dataset holds per tumour, split by the patients' ages."""
    return (
        alt.Chart(frame[["tumour", "patients", "studies"]])
        .mark_bar()
        .encode(
            y=alt.Y("tumour:N", title=None, sort=list(dict.fromkeys(frame["tumour"])), axis=alt.Axis(labelLimit=320)),
            x=alt.X("studies:Q", title="Studies in the dataset", axis=alt.Axis(tickMinStep=1)),
            color=_age_colour(frame),
            order=alt.Order("patients:N"),
            tooltip=["tumour", alt.Tooltip("patients:N", title="patients"), "studies"],
        )
        .properties(width=360, height=30 * frame["tumour"].nunique() + 10)
    )


def studies_by_age_description(frame: pd.DataFrame) -> str:
    parts = [f"{r.tumour}, {r.patients}: {r.studies}" for r in frame.itertuples()]
    return (
        "Stacked bar chart of the number of studies per tumor by age group of the patients. " + "; ".join(parts) + "."
    )
