"""Altair chart builders: data in, chart out. Rendering is ``figures.render``'s job."""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures import dataset

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PEDIATRIC_COLOUR = "#0072B2"
ADULT_COLOUR = "#E69F00"


def table1_ranges() -> alt.Chart:
    """The Table 1 ranges as bars per tumour; adult-derived figures in another colour and dashed."""
    t = dataset.tumours()
    rows = []
    for measure, prefix in (("Metastatic disease at diagnosis", "metastatic"), ("Hepatic metastatic disease", "hepatic")):
        for _, r in t.iterrows():
            rows.append(
                {
                    "tumour": r["abbreviation"],
                    "measure": measure,
                    "low": r[f"{prefix}_low"],
                    "high": r[f"{prefix}_high"],
                    "source": "adult series" if r[f"{prefix}_adult"] else "pediatric series",
                }
            )
    frame = pd.DataFrame(rows)
    order = list(t["abbreviation"])
    return (
        alt.Chart(frame)
        .mark_bar(size=10)
        .encode(
            y=alt.Y("tumour:N", sort=order, title=None),
            x=alt.X("low:Q", title="Patients (%)", scale=alt.Scale(domain=[0, 100])),
            x2="high:Q",
            color=alt.Color(
                "source:N",
                scale=alt.Scale(domain=["pediatric series", "adult series"], range=[PEDIATRIC_COLOUR, ADULT_COLOUR]),
                legend=alt.Legend(title="Figure comes from", orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "source:N",
                scale=alt.Scale(domain=["pediatric series", "adult series"], range=[[1, 0], [4, 2]]),
                legend=None,
            ),
            tooltip=["tumour", "measure", "low", "high", "source"],
        )
        .properties(width=220, height=160)
        .facet(column=alt.Column("measure:N", title=None))
    )
