"""Risk-of-bias appraisals drawn as robvis draws them: a traffic-light chart and a summary bar chart.

One pair of charts per appraisal tool (the JBI checklists differ in their items). Every judgement
is shown by a colour AND a letter, so that the charts read in greyscale and with colour-vision
deficiencies. The input is ``figures.dataset.appraisals()``: one row per study and item.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures import labels, palette

JUDGEMENTS = ["yes", "no", "unclear", "not-applicable"]
JUDGEMENT_SYMBOLS = {"yes": "Y", "no": "N", "unclear": "?", "not-applicable": "NA"}
RISKS = ["low", "moderate", "high", "unclear"]
RISK_SYMBOLS = {"low": "L", "moderate": "M", "high": "H", "unclear": "?"}
CELL = 26


def tools(appraisals: pd.DataFrame) -> list[str]:
    """The tools used in ``appraisals``, in order of first use."""
    return list(dict.fromkeys(appraisals["tool"]))


def tool_frame(appraisals: pd.DataFrame, tool: str) -> pd.DataFrame:
    """The rows of one tool, with display columns: item heading, judgement words and symbol."""
    frame = appraisals[appraisals["tool"] == tool].copy()
    frame["heading"] = frame["item"].str.upper() + ": " + frame["domain"]
    frame["judgement_text"] = frame["judgement"].map(lambda j: labels.word(labels.APPRAISAL_JUDGEMENTS, j))
    frame["symbol"] = frame["judgement"].map(JUDGEMENT_SYMBOLS)
    frame["overall_text"] = frame["overall"].map(lambda r: f"{labels.word(labels.RISK_OF_BIAS, r)} risk of bias")
    frame["overall_symbol"] = frame["overall"].map(RISK_SYMBOLS)
    return frame.reset_index(drop=True)


def _legend_scale(mapping: dict, order: list[str], words: dict) -> alt.Scale:
    return alt.Scale(domain=[labels.word(words, k) for k in order], range=[mapping[k] for k in order])


def _judgement_colour(title: str) -> alt.Color:
    """The judgement colours, with each legend label written as ``Y = yes`` (both appraisal charts)."""
    return alt.Color(
        "judgement_text:N",
        scale=_legend_scale(palette.JUDGEMENTS, JUDGEMENTS, labels.APPRAISAL_JUDGEMENTS),
        legend=alt.Legend(
            title=title,
            orient="bottom",
            labelExpr=_symbol_legend(JUDGEMENT_SYMBOLS, labels.APPRAISAL_JUDGEMENTS),
        ),
    )


def traffic_light_chart(frame: pd.DataFrame, name: str) -> alt.HConcatChart:
    """Studies (rows) by items (columns): a coloured circle with a letter per judgement, then the
    study's overall risk of bias in its own column."""
    studies = list(dict.fromkeys(frame["label"]))
    items = list(dict.fromkeys(frame["item"]))
    y = alt.Y("label:N", sort=studies, title=None, axis=alt.Axis(labelLimit=220))
    judgement_colour = _judgement_colour("Judgement (letter in the circle)")
    # Each panel carries only the columns it draws or shows in a tooltip: a chart's data travels in
    # its page as JSON, and the other columns (the study's whole record) made the appraisal page
    # the heaviest of the site (issue 11).
    cells = frame[["label", "item", "heading", "judgement_text", "symbol", "reason"]]
    base = alt.Chart(cells).encode(
        x=alt.X("item:N", sort=items, title="Checklist item", axis=alt.Axis(labelAngle=0, orient="top")), y=y
    )
    circles = base.mark_circle(size=CELL * 20, opacity=1, stroke=palette.OUTLINE, strokeWidth=0.5).encode(
        color=judgement_colour,
        tooltip=[
            alt.Tooltip("label:N", title="Study"),
            alt.Tooltip("heading:N", title="Item"),
            alt.Tooltip("judgement_text:N", title="Judgement"),
            alt.Tooltip("reason:N", title="Reason"),
        ],
    )
    letters = base.mark_text(fontSize=10, fontWeight="bold", color=palette.TEXT).encode(text="symbol:N")
    items_panel = alt.layer(circles, letters).properties(width=CELL * len(items), height=CELL * len(studies))

    overall = frame.drop_duplicates("citation")[["label", "overall_text", "overall_symbol", "overall_reason"]].assign(
        column="overall"
    )
    overall_base = alt.Chart(overall).encode(
        x=alt.X("column:N", title="Overall", axis=alt.Axis(labelAngle=0, orient="top", labels=False, ticks=False)),
        y=alt.Y("label:N", sort=studies, axis=None),
    )
    overall_circles = overall_base.mark_square(
        size=CELL * 20, opacity=1, stroke=palette.OUTLINE, strokeWidth=0.5
    ).encode(
        color=alt.Color(
            "overall_text:N",
            scale=_legend_scale(
                palette.RISKS, RISKS, {r: f"{labels.word(labels.RISK_OF_BIAS, r)} risk of bias" for r in RISKS}
            ),
            legend=alt.Legend(
                title="Overall (letter in the square)",
                orient="bottom",
                labelExpr=_symbol_legend(
                    RISK_SYMBOLS, {r: f"{labels.word(labels.RISK_OF_BIAS, r)} risk of bias" for r in RISKS}
                ),
            ),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Study"),
            alt.Tooltip("overall_text:N", title="Overall"),
            alt.Tooltip("overall_reason:N", title="Reason"),
        ],
    )
    overall_letters = overall_base.mark_text(fontSize=10, fontWeight="bold", color=palette.TEXT).encode(
        text="overall_symbol:N"
    )
    overall_panel = alt.layer(overall_circles, overall_letters).properties(width=CELL, height=CELL * len(studies))
    return (
        alt.hconcat(items_panel, overall_panel, spacing=8)
        .properties(title=alt.Title(f"{name}: judgements per study", anchor="start"))
        .resolve_scale(color="independent")
        .configure_view(stroke=None)
    )


def _symbol_legend(symbols: dict, words: dict) -> str:
    """A Vega expression that writes each legend label as ``Y = yes``."""
    cases = " : ".join(
        f"datum.label === '{labels.word(words, k)}' ? '{symbols[k]} = {labels.word(words, k)}'" for k in symbols
    )
    return f"{cases} : datum.label"


def summary_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per item: the share of studies per judgement (percent), in the tool's item order."""
    counts = frame.groupby(["item", "heading", "judgement"], sort=False).size().rename("studies").reset_index()
    totals = counts.groupby("item")["studies"].transform("sum")
    counts["share"] = 100 * counts["studies"] / totals
    counts["judgement_text"] = counts["judgement"].map(lambda j: labels.word(labels.APPRAISAL_JUDGEMENTS, j))
    counts["symbol"] = counts["judgement"].map(JUDGEMENT_SYMBOLS)
    counts["order"] = counts["judgement"].map(JUDGEMENTS.index)
    return counts


def summary_chart(frame: pd.DataFrame, name: str) -> alt.LayerChart:
    """One horizontal bar per item, split by the share of studies per judgement (100% stacked)."""
    summary = summary_frame(frame)
    headings = list(dict.fromkeys(frame["heading"]))
    bars = (
        alt.Chart(summary)
        .mark_bar(stroke=palette.OUTLINE, strokeWidth=0.5)
        .encode(
            y=alt.Y("heading:N", sort=headings, title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("share:Q", title="Studies (%)", scale=alt.Scale(domain=[0, 100]), stack="zero"),
            color=_judgement_colour("Judgement"),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("heading:N", title="Item"),
                alt.Tooltip("judgement_text:N", title="Judgement"),
                alt.Tooltip("studies:Q", title="Studies"),
                alt.Tooltip("share:Q", title="Share (%)", format=".0f"),
            ],
        )
        .properties(width=320, height=22 * len(headings))
    )
    letters = (
        # The judgement's letter inside each segment wide enough to hold it (colour is not needed to read it).
        alt.Chart(summary)
        .transform_filter(alt.datum.share >= 8)
        .mark_text(fontSize=10, fontWeight="bold", color=palette.TEXT)
        .encode(
            y=alt.Y("heading:N", sort=headings),
            x=alt.X("share:Q", stack="zero", bandPosition=0.5),
            detail="judgement_text:N",
            order=alt.Order("order:Q"),
            text="symbol:N",
        )
    )
    return alt.layer(bars, letters).properties(
        title=alt.Title(f"{name}: share of studies per judgement", anchor="start")
    )


def traffic_light_description(frame: pd.DataFrame, name: str) -> str:
    """The traffic-light chart in words: every study's judgements, item by item, and its overall risk."""
    parts = []
    for label, rows in frame.groupby("label", sort=False):
        judgements = ", ".join(f"{r.item} {r.judgement_text}" for r in rows.itertuples())
        parts.append(f"{label}: {judgements}; overall {rows['overall_text'].iloc[0]}")
    items = "; ".join(dict.fromkeys(frame["heading"]))
    return (
        f"Traffic-light chart of the {name}: {frame['citation'].nunique()} studies (rows) by "
        f"{frame['item'].nunique()} items (columns: {items}), each judgement a coloured circle with a letter "
        f"(Y yes, N no, ? unclear, NA not applicable), and the overall risk of bias in the last column. "
        + ". ".join(parts)
        + "."
    )


def summary_description(frame: pd.DataFrame, name: str) -> str:
    """The summary chart in words: per item, how many studies got each judgement."""
    summary = summary_frame(frame)
    parts = []
    for heading, rows in summary.groupby("heading", sort=False):
        counts = ", ".join(f"{r.judgement_text} {r.studies}" for r in rows.sort_values("order").itertuples())
        parts.append(f"{heading}: {counts}")
    return (
        f"Bar chart of the {name}: for each item, the share of the {frame['citation'].nunique()} studies judged "
        "yes, no, unclear or not applicable (studies per judgement). " + "; ".join(parts) + "."
    )
