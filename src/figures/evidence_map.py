"""The evidence map: for each tumour and intervention, how many studies and patients, by age class."""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures import labels, palette

AGE_CLASSES = list(palette.AGE_CLASSES)


def evidence_map(studies: list[dict]) -> pd.DataFrame:
    """One row per tumour, intervention and age class: number of studies and of patients.

    A study counts once in every cell of an intervention it used; patients not reported count as
    zero and the ``patients_unreported`` column says in how many studies that happened.
    """
    rows = []
    for record in studies:
        population = record.get("population") or {}
        for intervention in record.get("interventions") or []:
            rows.append(
                {
                    "tumour": population.get("tumour"),
                    "intervention": intervention,
                    "age": labels.age_class(population.get("age_group")),
                    "citation": record["citation"],
                    "patients": record.get("n_patients"),
                }
            )
    frame = pd.DataFrame(rows, columns=["tumour", "intervention", "age", "citation", "patients"])
    grouped = frame.groupby(["tumour", "intervention", "age"], sort=True)
    return grouped.agg(
        studies=("citation", "nunique"),
        patients=("patients", lambda p: int(p.fillna(0).sum())),
        patients_unreported=("patients", lambda p: int(p.isna().sum())),
    ).reset_index()


def evidence_map_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The map as a readable table: tumour, intervention, then studies (patients) per age class."""
    table = cells.assign(
        text=[
            f"{s} ({p} patients{', some not reported' if u else ''})"
            for s, p, u in zip(cells["studies"], cells["patients"], cells["patients_unreported"])
        ]
    ).pivot_table(index=["tumour", "intervention"], columns="age", values="text", aggfunc="first")
    table = table.reindex(columns=[a for a in AGE_CLASSES if a in table.columns]).reset_index()
    table["tumour"] = table["tumour"].map(lambda c: labels.word(labels.TUMOURS, c))
    table["intervention"] = table["intervention"].map(lambda c: labels.word(labels.INTERVENTIONS, c))
    return table.rename(columns={"tumour": "Tumour", "intervention": "Intervention"}).rename(
        columns={a: f"{a.capitalize()} studies" for a in AGE_CLASSES}
    )


def evidence_map_chart(cells: pd.DataFrame) -> alt.Chart:
    """Tumour by intervention: a circle per age class, its area the patients, its label the studies."""
    frame = cells.assign(
        tumour_name=cells["tumour"].map(lambda c: labels.word(labels.TUMOURS, c)),
        intervention_name=cells["intervention"].map(lambda c: labels.word(labels.INTERVENTIONS, c)),
    )
    ages = [a for a in AGE_CLASSES if a in set(frame["age"])]
    colour = alt.Color(
        "age:N",
        scale=alt.Scale(domain=ages, range=[palette.AGE_CLASSES[a] for a in ages]),
        legend=alt.Legend(title="Series", orient="bottom"),
    )
    encoding = dict(
        x=alt.X("intervention_name:N", title=None, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("tumour_name:N", title=None),
        xOffset=alt.XOffset("age:N", scale=alt.Scale(domain=ages)),
    )
    base = alt.Chart(frame).encode(**encoding)
    circles = base.mark_circle(opacity=0.75).encode(
        size=alt.Size("patients:Q", title="Patients", scale=alt.Scale(range=[60, 900])),
        color=colour,
        tooltip=[
            alt.Tooltip(field, title=title)
            for field, title in (
                ("tumour_name:N", "Tumor"),
                ("intervention_name:N", "Intervention"),
                ("age:N", "Series"),
                ("studies:Q", "Studies"),
                ("patients:Q", "Patients"),
            )
        ],
    )
    counts = base.mark_text(fontSize=10, fontWeight="bold").encode(text="studies:Q")
    return (circles + counts).properties(width=alt.Step(48), height=alt.Step(40))
