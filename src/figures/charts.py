"""Altair chart builders: data in, chart out. Rendering is ``figures.render``'s job."""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from figures import dataset, labels, text
from figures.forest import POOLABLE_KINDS, n_text

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PEDIATRIC_COLOUR = "#0072B2"
ADULT_COLOUR = "#E69F00"
LINE_BREAK = "|"
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000"]


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
    sources = ["pediatric series", "adult series"]
    return (
        alt.Chart(frame)
        # Adult-derived ranges differ by colour, by a dashed outline and by a paler fill, so the
        # difference survives greyscale printing and colour-vision deficiencies.
        .mark_bar(size=12, strokeWidth=1.5)
        .encode(
            y=alt.Y("tumour:N", sort=order, title=None),
            x=alt.X("low:Q", title="Patients (%)", scale=alt.Scale(domain=[0, 100])),
            x2="high:Q",
            color=alt.Color(
                "source:N",
                scale=alt.Scale(domain=sources, range=[PEDIATRIC_COLOUR, ADULT_COLOUR]),
                legend=alt.Legend(title="Figure comes from", orient="bottom"),
            ),
            stroke=alt.Stroke("source:N", scale=alt.Scale(domain=sources, range=[PEDIATRIC_COLOUR, "#8A5A00"]), legend=None),
            strokeDash=alt.StrokeDash("source:N", scale=alt.Scale(domain=sources, range=[[1, 0], [4, 2]]), legend=None),
            fillOpacity=alt.FillOpacity("source:N", scale=alt.Scale(domain=sources, range=[1.0, 0.45]), legend=None),
            tooltip=["tumour", "measure", "low", "high", "source"],
        )
        .properties(width=220, height=160)
        .facet(column=alt.Column("measure:N", title=None, sort=["Metastatic disease at diagnosis", "Hepatic metastatic disease"]))
    )


def table1_description() -> str:
    """The Table 1 chart in words, from the same data (its text alternative)."""
    t = dataset.tumours()
    parts = []
    for _, r in t.iterrows():
        parts.append(
            f"{r['name']}: metastatic at diagnosis {text.value_range(r['metastatic_low'], r['metastatic_high'], 'percent')}"
            f"{' (adult series)' if r['metastatic_adult'] else ''}, hepatic metastatic disease "
            f"{text.value_range(r['hepatic_low'], r['hepatic_high'], 'percent')}{' (adult series)' if r['hepatic_adult'] else ''}"
        )
    return "Ranges of patients by tumor, pediatric figures in solid blue bars, adult-derived figures in dashed orange bars. " + "; ".join(parts) + "."


def _percent_outcomes(citation: str, measure: str) -> pd.DataFrame:
    record = dataset.study(citation)
    comparisons = {c["id"]: c for c in record.get("comparisons") or []}
    rows = []
    for o in record.get("outcomes") or []:
        # Only estimates of a rate in a group: counts and single cases are never drawn as percentages.
        if o["measure"] != measure or o["kind"] not in POOLABLE_KINDS or o.get("unit") != "percent":
            continue
        ci = o.get("ci") or {}
        comparison = comparisons.get(o.get("comparison"))
        estimate = o["estimate"] if o["estimate"] is not None else 100 * o["events"] / o["denominator"]
        rows.append(
            {
                "group": f"{o.get('group') or 'all'} ({n_text(o.get('n'))})",
                "estimate": estimate,
                "label": text.with_unit(round(estimate, 1), "percent"),
                "ci_low": ci.get("low"),
                "ci_high": ci.get("high"),
                "comparison": comparison["description"] if comparison else "whole series",
                "p": text.number(comparison["p_value"]) if comparison and comparison.get("p_value") is not None else "not reported",
            }
        )
    if not rows:
        raise ValueError(f"{citation}: no {measure} outcome in percent to draw")
    frame = pd.DataFrame(rows)
    frame["contrast"] = [LINE_BREAK.join(textwrap.wrap(c, 60)) for c in frame["comparison"]]
    return frame


def study_outcomes(citation: str, measure: str) -> alt.LayerChart:
    """One study's ``measure`` estimates per group as points, with their CI where one is reported.

    Groups are coloured by the contrast they belong to, so a reader sees which figures the study
    compares; a group without a reported CI has no bar (absence is visible, not filled in).
    """
    frame = _percent_outcomes(citation, measure)
    order = list(frame["group"])
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color(
            "contrast:N",
            # Long contrast descriptions are wrapped (python) and split into lines (Vega).
            legend=alt.Legend(title="Contrast", orient="bottom", direction="vertical", labelLimit=0, labelExpr=f"split(datum.label, '{LINE_BREAK}')"),
            scale=alt.Scale(range=OKABE_ITO),
        ),
    )
    axis = alt.X("estimate:Q", title=f"{labels.MEASURES.get(measure, measure)} (%)", scale=alt.Scale(domain=[0, 100]))
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", scale=alt.Scale(domain=[0, 100])), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=90).encode(
        x=axis,
        shape=alt.Shape("contrast:N", legend=None),
        tooltip=["group", "estimate", "ci_low", "ci_high", "comparison", "p"],
    )
    labels_layer = base.mark_text(align="left", dx=8, dy=-8, fontSize=11).encode(
        x="estimate:Q", text="label:N"
    )
    return alt.layer(bars, points, labels_layer).properties(width=340, height=28 * len(frame))


def study_outcomes_description(citation: str, measure: str) -> str:
    """The text alternative of :func:`study_outcomes`, from the same data."""
    frame = _percent_outcomes(citation, measure)
    record = dataset.study(citation)
    parts = []
    for r in frame.itertuples():
        ci = f" (95% CI {text.number(r.ci_low)}% to {text.number(r.ci_high)}%)" if pd.notna(r.ci_low) and pd.notna(r.ci_high) else " (no CI reported)"
        parts.append(f"{r.group}: {text.number(r.estimate)}%{ci}")
    return f"{labels.MEASURES.get(measure, measure)} by group in {record['label']}: " + "; ".join(parts) + "."


def fact_ranges(topic: str, groups: dict[str, str], title: str) -> alt.LayerChart:
    """Background ranges (``low``-``high``) of the facts named in ``groups`` (id -> short label)."""
    frame = _fact_frame(topic, groups)
    base = alt.Chart(frame).encode(y=alt.Y("group:N", sort=list(groups.values()), title=None, axis=alt.Axis(labelLimit=260)))
    bars = base.mark_bar(size=14, color=PEDIATRIC_COLOUR).encode(
        x=alt.X("low:Q", title=title, scale=alt.Scale(domain=[0, 100])), x2="high:Q", tooltip=["group", "low", "high"]
    )
    # End points as dots, so that a single value (low equal to high) is visible, not a bar of no width.
    low_dots = base.mark_point(filled=True, size=70, color=PEDIATRIC_COLOUR, opacity=1).encode(x="low:Q", tooltip=["group", "range"])
    high_dots = base.mark_point(filled=True, size=70, color=PEDIATRIC_COLOUR, opacity=1).encode(x="high:Q", tooltip=["group", "range"])
    ends = base.mark_text(align="left", dx=8, fontSize=11).encode(x="high:Q", text="range:N")
    return alt.layer(bars, low_dots, high_dots, ends).properties(width=380, height=34 * len(frame))


def fact_ranges_description(topic: str, groups: dict[str, str], title: str) -> str:
    frame = _fact_frame(topic, groups)
    return f"{title}, as ranges: " + "; ".join(f"{r.group}: {r.range}" for r in frame.itertuples()) + "."


def _fact_frame(topic: str, groups: dict[str, str]) -> pd.DataFrame:
    by_id = {f["id"]: f for f in dataset.facts(topic)}
    missing = [i for i in groups if i not in by_id]
    if missing:
        raise KeyError(f"no fact {', '.join(missing)} in data/facts/{topic}.yaml")
    return pd.DataFrame(
        [
            {
                "group": label,
                "low": by_id[i]["low"],
                "high": by_id[i]["high"],
                "range": text.value_range(by_id[i]["low"], by_id[i]["high"], by_id[i]["unit"]),
            }
            for i, label in groups.items()
        ]
    )


# --- Other malignancies and the adult evidence (issue 5) ----------------------------------------

AGE_GROUP_LABELS = {
    "pediatric": "children (<15 y)",
    "adolescent": "adolescents (15-19 y)",
    "pediatric-adolescent": "children and adolescents",
    "mixed": "mixed ages (adolescents and adults)",
    "adult": "adults",
}
# Okabe-Ito again: young patients blue, mixed ages green, adults orange (the Table 1 adult colour).
AGE_GROUP_COLOURS = {
    "children (<15 y)": PEDIATRIC_COLOUR,
    "adolescents (15-19 y)": "#56B4E9",
    "children and adolescents": "#56B4E9",
    "mixed ages (adolescents and adults)": "#009E73",
    "adults": ADULT_COLOUR,
}
EARLIER, LATER = "-before", "-after"
MEASURE_WORDS = {"OS": "overall survival", "DFS": "disease-free survival", "EFS": "event-free survival"}


def survival_trend_frame(topic: str) -> pd.DataFrame:
    """Pairs of facts ``<stem>-before`` / ``<stem>-after``: one row per group and period."""
    facts = {f["id"]: f for f in dataset.facts(topic)}
    rows = []
    for fid, fact in facts.items():
        if not fid.endswith(EARLIER) or fid[: -len(EARLIER)] + LATER not in facts:
            continue
        later = facts[fid[: -len(EARLIER)] + LATER]
        group = fact["description"].rsplit(", ", 1)[0].replace("5-year survival, ", "")
        rows.append({"group": group, "period": "earlier", "survival": fact["low"]})
        rows.append({"group": group, "period": "later", "survival": later["low"]})
    return pd.DataFrame(rows)


def survival_trend(topic: str) -> alt.Chart:
    """Earlier and later 5-year survival per group, joined by a line (a dumbbell plot)."""
    frame = survival_trend_frame(topic)
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("survival:Q", title="5-year survival (%)", scale=alt.Scale(domain=[0, 100])),
    )
    line = base.mark_line(color="#999999").encode(detail="group:N")
    points = base.mark_point(filled=True, size=90).encode(
        color=alt.Color(
            "period:N",
            scale=alt.Scale(domain=["earlier", "later"], range=["#999999", PEDIATRIC_COLOUR]),
            legend=alt.Legend(title="Period", orient="bottom"),
        ),
        shape=alt.Shape("period:N", scale=alt.Scale(domain=["earlier", "later"], range=["circle", "diamond"]), legend=None),
        tooltip=["group", "period", "survival"],
    )
    return (line + points).properties(width=360, height=40 * frame["group"].nunique())


def survival_trend_description(topic: str) -> str:
    frame = survival_trend_frame(topic).pivot(index="group", columns="period", values="survival")
    parts = [f"{group}: {row['earlier']:g}% earlier, {row['later']:g}% later" for group, row in frame.iterrows()]
    return "Dumbbell chart of 5-year survival in two periods. " + "; ".join(parts) + "."


def study_timecourse_frame(citation: str) -> pd.DataFrame:
    """The study's percentage outcomes that have a time point, one row per outcome."""
    record = dataset.study(citation)
    rows = [
        {
            "measure": o["measure"],
            "group": o["group"],
            "months": o["timepoint_months"],
            "estimate": o["estimate"],
            "series": f"{MEASURE_WORDS.get(o['measure'], o['measure'])} ({o['group']})",
        }
        for o in record.get("outcomes") or []
        if o.get("timepoint_months") is not None and o["kind"] == "survival" and o["estimate"] is not None
    ]
    return pd.DataFrame(rows)


def study_timecourse(citation: str) -> alt.Chart:
    """Survival-type estimates of one study at each reported time point, one line per measure."""
    frame = study_timecourse_frame(citation)
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


def study_timecourse_description(citation: str) -> str:
    frame = study_timecourse_frame(citation)
    parts = [f"{r.series}: {r.estimate:g}% at {r.months:g} months" for r in frame.itertuples()]
    return f"Line chart of the time-point estimates of {dataset.study(citation)['label']}: " + "; ".join(parts) + "."


SURVIVAL_MEASURES = ("OS", "EFS", "DFS")


def survival_by_age_frame() -> pd.DataFrame:
    """Every survival percentage (OS, EFS, DFS) in the dataset, labelled by the patients' age group."""
    # Table 1's abbreviations (osteosarcoma is "OST": in this book "OS" is overall survival).
    abbreviations = dict(zip(dataset.tumours()["code"], dataset.tumours()["abbreviation"]))
    abbreviations.setdefault("mixed", "several primaries")
    rows = []
    for record in dataset.studies():
        for o in record.get("outcomes") or []:
            if o["measure"] not in SURVIVAL_MEASURES or o["kind"] != "survival" or o["estimate"] is None:
                continue
            months = o.get("timepoint_months")
            tumour = abbreviations.get(record["population"]["tumour"], record["population"]["tumour"])
            rows.append(
                {
                    # The group's own number of patients, never the study's total.
                    "row": f"{record['label']} ({tumour}): {o['group']} ({n_text(o.get('n'))})"
                    + (f", {months:g} months" if months is not None else ""),
                    "age_group": AGE_GROUP_LABELS[record["population"]["age_group"]],
                    "measure": MEASURE_WORDS[o["measure"]],
                    "timepoint": f"{months:g} months" if months is not None else "time point not reported",
                    "estimate": o["estimate"],
                }
            )
    frame = pd.DataFrame(rows)
    order = {g: i for i, g in enumerate(AGE_GROUP_COLOURS)}
    frame["_order"] = frame["age_group"].map(order)
    return frame.sort_values(["_order", "row", "timepoint"], kind="stable").drop(columns="_order").reset_index(drop=True)


def survival_by_age() -> alt.Chart:
    """Survival estimates per study and group: colour = age group, shape = measure (adults marked)."""
    frame = survival_by_age_frame()
    present = [g for g in AGE_GROUP_COLOURS if g in set(frame["age_group"])]
    measures = [MEASURE_WORDS[m] for m in SURVIVAL_MEASURES if MEASURE_WORDS[m] in set(frame["measure"])]
    return (
        alt.Chart(frame)
        .mark_point(filled=True, size=100, opacity=0.85)
        .encode(
            y=alt.Y("row:N", title=None, sort=list(dict.fromkeys(frame["row"])), axis=alt.Axis(labelLimit=420)),
            x=alt.X("estimate:Q", title="Patients surviving / event-free / disease-free (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "age_group:N",
                scale=alt.Scale(domain=present, range=[AGE_GROUP_COLOURS[g] for g in present]),
                legend=alt.Legend(title="Patients", orient="bottom", columns=1, labelLimit=360),
            ),
            shape=alt.Shape("measure:N", scale=alt.Scale(domain=measures), legend=alt.Legend(title="Measure", orient="bottom", columns=1)),
            tooltip=["row", alt.Tooltip("age_group:N", title="patients"), "measure", alt.Tooltip("timepoint:N", title="time point"), "estimate"],
        )
        .properties(width=300, height=22 * frame["row"].nunique() + 20)
    )


def survival_by_age_description() -> str:
    frame = survival_by_age_frame()
    parts = [f"{r.row}, {r.age_group}, {r.measure} {r.estimate:g}% ({r.timepoint})" for r in frame.itertuples()]
    return "Dot chart of survival estimates by study, group and age group of the patients. " + "; ".join(parts) + "."


def evidence_map_frame(tumours: list[str]) -> pd.DataFrame:
    """Number of study records per tumour and age group of their patients."""
    names = dict(zip(dataset.tumours()["code"], dataset.tumours()["name"]))
    rows = [
        {"tumour": names.get(s["population"]["tumour"], s["population"]["tumour"]),
         "age_group": AGE_GROUP_LABELS[s["population"]["age_group"]]}
        for code in tumours
        for s in dataset.studies(code)
    ]
    frame = pd.DataFrame(rows, columns=["tumour", "age_group"])
    return frame.groupby(["tumour", "age_group"], sort=False).size().rename("studies").reset_index()


def evidence_map(tumours: list[str]) -> alt.Chart:
    """Stacked bars: how many studies the dataset holds per tumour, split by the patients' ages."""
    frame = evidence_map_frame(tumours)
    present = [g for g in AGE_GROUP_COLOURS if g in set(frame["age_group"])]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("tumour:N", title=None, sort=list(dict.fromkeys(frame["tumour"])), axis=alt.Axis(labelLimit=320)),
            x=alt.X("studies:Q", title="Studies in the dataset", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "age_group:N",
                scale=alt.Scale(domain=present, range=[AGE_GROUP_COLOURS[g] for g in present]),
                legend=alt.Legend(title="Patients", orient="bottom", columns=1, labelLimit=360),
            ),
            order=alt.Order("age_group:N"),
            tooltip=["tumour", alt.Tooltip("age_group:N", title="patients"), "studies"],
        )
        .properties(width=360, height=30 * frame["tumour"].nunique() + 10)
    )


def evidence_map_description(tumours: list[str]) -> str:
    frame = evidence_map_frame(tumours)
    parts = [f"{r.tumour}, {r.age_group}: {r.studies}" for r in frame.itertuples()]
    return "Stacked bar chart of the number of studies per tumor by age group of the patients. " + "; ".join(parts) + "."
