"""Altair chart builders: data in, chart out. Rendering is ``figures.render``'s job."""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from figures import dataset, labels, text

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
            f"{r['name']}: metastatic at diagnosis {labels.percent_range(r['metastatic_low'], r['metastatic_high'])}"
            f"{' (adult series)' if r['metastatic_adult'] else ''}, hepatic metastatic disease "
            f"{labels.percent_range(r['hepatic_low'], r['hepatic_high'])}{' (adult series)' if r['hepatic_adult'] else ''}"
        )
    return "Ranges of patients by tumour, pediatric figures in solid blue bars, adult-derived figures in dashed orange bars. " + "; ".join(parts) + "."


def _percent_outcomes(citation: str, measure: str) -> pd.DataFrame:
    record = dataset.study(citation)
    comparisons = {c["id"]: c for c in record.get("comparisons") or []}
    rows = []
    for o in record.get("outcomes") or []:
        if o["measure"] != measure or o.get("unit") != "percent":
            continue
        ci = o.get("ci") or {}
        comparison = comparisons.get(o.get("comparison"))
        rows.append(
            {
                "group": o.get("group") or "all",
                "estimate": o["estimate"],
                "label": text.with_unit(o["estimate"], "percent"),
                "ci_low": ci.get("low"),
                "ci_high": ci.get("high"),
                "comparison": comparison["description"] if comparison else "metastatic site",
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
    ends = base.mark_text(align="left", dx=6, fontSize=11).encode(x="high:Q", text="range:N")
    return alt.layer(bars, ends).properties(width=380, height=34 * len(frame))


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
