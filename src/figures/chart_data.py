"""The frames the charts draw, computed from the dataset: one function per chart, nothing drawn.

Each chart builder (``figures.charts_*``) takes one of these frames and returns a chart, and its
text alternative is written from the same frame, so the two cannot disagree. Every word a frame
holds comes from ``figures.labels`` or from the call (a chapter's own labels), never from parsing
a data file's prose.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from figures import dataset, formats, labels, text
from figures.pooling import POOLABLE_KINDS

# Long legend entries are wrapped here and split into lines by Vega at this mark.
LINE_BREAK = "|"
TABLE1_MEASURES = {"metastatic": "Metastatic disease at diagnosis", "hepatic": "Hepatic metastatic disease"}
EARLIER, LATER = "-before", "-after"


def table1_ranges() -> pd.DataFrame:
    """Table 1's two ranges per tumour (measure by measure), and whether each comes from adults."""
    t = dataset.tumours()
    rows = [
        {
            "tumour": r["abbreviation"],
            "name": r["name"],
            "prefix": prefix,
            "measure": measure,
            "low": r[f"{prefix}_low"],
            "high": r[f"{prefix}_high"],
            "source": "adult series" if r[f"{prefix}_adult"] else "pediatric series",
        }
        for prefix, measure in TABLE1_MEASURES.items()
        for _, r in t.iterrows()
    ]
    return pd.DataFrame(rows)


def fact_ranges(topic: str, groups: dict[str, str]) -> pd.DataFrame:
    """Background ranges (``low``-``high``) of the facts named in ``groups`` (id -> short label)."""
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
                "range": formats.value_range(by_id[i]["low"], by_id[i]["high"], by_id[i]["unit"]),
            }
            for i, label in groups.items()
        ]
    )


def survival_trend(topic: str, groups: dict[str, str]) -> pd.DataFrame:
    """Pairs of facts ``<stem>-before`` / ``<stem>-after`` for each stem of ``groups`` (stem ->
    label): one row per group and period."""
    facts = {f["id"]: f for f in dataset.facts(topic)}
    missing = [s + end for s in groups for end in (EARLIER, LATER) if s + end not in facts]
    if missing:
        raise KeyError(f"no fact {', '.join(missing)} in data/facts/{topic}.yaml")
    rows = []
    for stem, group in groups.items():
        rows.append({"group": group, "period": "earlier", "survival": facts[stem + EARLIER]["low"]})
        rows.append({"group": group, "period": "later", "survival": facts[stem + LATER]["low"]})
    return pd.DataFrame(rows)


def study_percent_outcomes(citation: str, measure: str) -> pd.DataFrame:
    """One study's ``measure`` estimates in percent, per group, with the contrast each belongs to."""
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
                "group": f"{o.get('group') or 'all'} ({formats.n_text(o.get('n'))})",
                "estimate": estimate,
                "label": formats.with_unit(round(estimate, 1), "percent"),
                "ci_low": ci.get("low"),
                "ci_high": ci.get("high"),
                "comparison": comparison["description"] if comparison else "whole series",
                "p": formats.number(comparison["p_value"])
                if comparison and comparison.get("p_value") is not None
                else "not reported",
            }
        )
    if not rows:
        raise ValueError(f"{citation}: no {measure} outcome in percent to draw")
    frame = pd.DataFrame(rows)
    frame["contrast"] = [LINE_BREAK.join(textwrap.wrap(c, 60)) for c in frame["comparison"]]
    return frame


def study_timecourse(citation: str) -> pd.DataFrame:
    """The study's survival-type percentage outcomes that have a time point, one row per outcome."""
    record = dataset.study(citation)
    rows = [
        {
            "measure": o["measure"],
            "group": o["group"],
            "months": o["timepoint_months"],
            "estimate": o["estimate"],
            "series": f"{labels.word(labels.MEASURE_NAMES, o['measure'])} ({o['group']})",
        }
        for o in record.get("outcomes") or []
        if o.get("timepoint_months") is not None and o["kind"] == "survival" and o["estimate"] is not None
    ]
    return pd.DataFrame(rows)


def _tumour_words(column: str) -> dict[str, str]:
    """Tumour code -> Table 1's ``column`` (name or abbreviation), over the vocabulary's words."""
    table = dataset.tumours()
    return {**labels.TUMOURS, **dict(zip(table["code"], table[column]))}


def survival_by_age() -> pd.DataFrame:
    """Every survival percentage (OS, EFS, DFS) in the dataset, labelled by the patients' age group."""
    # Table 1's abbreviations (osteosarcoma is "OST": in this book "OS" is overall survival).
    abbreviations = _tumour_words("abbreviation")
    rows = []
    for record in dataset.studies():
        for o in record.get("outcomes") or []:
            if o["measure"] not in labels.SURVIVAL_MEASURES or o["kind"] != "survival" or o["estimate"] is None:
                continue
            months = o.get("timepoint_months")
            rows.append(
                {
                    # The group's own number of patients, never the study's total.
                    "row": f"{record['label']} ({labels.word(abbreviations, record['population']['tumour'])}): "
                    f"{o['group']} ({formats.n_text(o.get('n'))})"
                    + (f", {formats.months_text(months)}" if months is not None else ""),
                    "citation": record["citation"],
                    "label": record["label"],
                    "age_group": record["population"]["age_group"],
                    "patients": labels.word(labels.AGE_GROUP_PATIENTS, record["population"]["age_group"]),
                    "measure": labels.word(labels.MEASURE_NAMES, o["measure"]),
                    "timepoint": formats.months_text(months),
                    "estimate": o["estimate"],
                }
            )
    frame = pd.DataFrame(rows)
    order = {g: i for i, g in enumerate(labels.AGE_GROUP_PATIENTS)}
    frame["_order"] = frame["age_group"].map(order)
    return (
        frame.sort_values(["_order", "row", "timepoint"], kind="stable").drop(columns="_order").reset_index(drop=True)
    )


def studies_by_age(tumours: list[str]) -> pd.DataFrame:
    """Number of study records per tumour and age group of their patients."""
    names = _tumour_words("name")
    rows = [
        {"tumour": labels.word(names, s["population"]["tumour"]), "age_group": s["population"]["age_group"]}
        for code in tumours
        for s in dataset.studies(code)
    ]
    frame = pd.DataFrame(rows, columns=["tumour", "age_group"])
    frame = frame.groupby(["tumour", "age_group"], sort=False).size().rename("studies").reset_index()
    frame["patients"] = frame["age_group"].map(labels.AGE_GROUP_PATIENTS)
    return frame


# A chart with one row of marks per study draws at most this many studies: at 100 times today's
# dataset vl-convert cannot draw a dot chart of every study ("Maximum call stack size exceeded")
# and a traffic-light chart passes Altair's 5,000-row limit. Today's largest such chart holds 15
# studies (the case-series traffic light; survival by age 10), so today's charts show them all. Also
# the within-study contrasts: one panel per comparison; at x100 over a thousand panels took 250 s
# to draw (9 studies, 11 panels today).
CHART_STUDIES = 60


def most_recent(frame: pd.DataFrame, limit: int = CHART_STUDIES) -> tuple[pd.DataFrame, int]:
    """The rows of ``frame`` (columns ``citation`` and ``label``) that belong to its ``limit`` most
    recent studies (by the year that ends the label, as ``text.chronological``), in the frame's
    order, and the number of studies left out (0 when the frame holds at most ``limit``)."""
    studies = frame[["citation", "label"]].drop_duplicates("citation").to_dict("records")
    if len(studies) <= limit:
        return frame, 0
    keep = {s["citation"] for s in sorted(studies, key=text.chronological)[-limit:]}
    return frame[frame["citation"].isin(keep)].reset_index(drop=True), len(studies) - limit
