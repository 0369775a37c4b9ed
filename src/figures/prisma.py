"""The PRISMA 2020 flow diagram of a living review, computed from ``data/screening.yaml``.

The latest round is drawn as the new search; the studies of every earlier round form the
"previous edition" arm; the total is the number of study files the review holds. A database
search that did not happen says so ("not searched"), and a count nobody recorded reads
"not known", never zero. The diagram is an Altair chart, so its text travels as
JSON data through ``render.show_chart`` and is never pasted into markup.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import altair as alt
import pandas as pd

BOX_WIDTH = 250
COLUMN_GAP = 40
LINE_HEIGHT = 14
ROW_GAP = 30
BOX_COLOUR = "#F0F4F8"
WRAP_CHARACTERS = 46

def _n(value) -> str:
    return "not known" if value is None else f"{value:,}"


@dataclass(frozen=True)
class Flow:
    """The latest round, the studies of earlier rounds (the previous edition) and the studies on file."""

    latest: dict
    previous_studies: int | None
    earlier_rounds: int
    studies_on_file: int


def flow(rounds: list[dict], studies_on_file: int) -> Flow:
    """The flow of the latest round (by round number); earlier rounds form the previous edition.

    ``studies_on_file`` is the number of study files in the dataset: what the review holds now,
    whatever the rounds recorded.
    """
    if not rounds:
        raise ValueError("no screening round is recorded in data/screening.yaml")
    ordered = sorted(rounds, key=lambda r: r["round"])
    earlier = [r.get("studies_included") for r in ordered[:-1]]
    previous = None if any(n is None for n in earlier) else sum(earlier)
    return Flow(latest=ordered[-1], previous_studies=previous, earlier_rounds=len(earlier), studies_on_file=studies_on_file)


def _identified_lines(latest: dict) -> list[str]:
    lines = [f"Records identified (round {latest['round']}, {latest['date']}): n = {_n(latest.get('records_identified'))}"]
    if not latest.get("database_search"):
        lines.append("\u2022 Databases: not searched")
    for source in latest.get("sources") or []:
        lines.append(f"\u2022 {source['name']}: n = {_n(source.get('records'))}")
    return lines


def _wrap(lines: list[str]) -> list[str]:
    wrapped = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()))
        wrapped += textwrap.wrap(line, WRAP_CHARACTERS, initial_indent=indent, subsequent_indent=indent + "  ")
    return wrapped


def boxes(f: Flow) -> pd.DataFrame:
    """Every box of the diagram: column, row, text lines (the chart and the tests read this)."""
    latest = f.latest
    previous = (
        ["No previous edition: this is the first round."]
        if f.earlier_rounds == 0
        else ["Studies included in the previous edition", f"({f.earlier_rounds} earlier round(s)): n = {_n(f.previous_studies)}"]
    )
    spec = [
        ("previous", 0, 0, previous),
        ("identified", 1, 0, _identified_lines(latest)),
        ("removed", 2, 0, [f"Duplicate records removed: n = {_n(latest.get('duplicates_removed'))}"]),
        ("screened", 1, 1, [f"Records screened: n = {_n(latest.get('records_screened'))}"]),
        ("excluded", 2, 1, [f"Records excluded: n = {_n(latest.get('records_excluded'))}"]),
        ("sought", 1, 2, [f"Reports sought for retrieval: n = {_n(latest.get('reports_sought'))}"]),
        ("not-retrieved", 2, 2, [f"Reports not retrieved: n = {_n(latest.get('reports_not_retrieved'))}"]),
        ("assessed", 1, 3, [f"Reports assessed for eligibility: n = {_n(latest.get('reports_assessed'))}"]),
        ("reports-excluded", 2, 3, [f"Reports excluded: n = {_n(latest.get('reports_excluded'))}"]),
        ("new", 1, 4, [f"New studies included in this round: n = {_n(latest.get('studies_included'))}"]),
        ("total", 0, 5, [f"Studies in the review (study files): n = {f.studies_on_file:,}"]),
    ]
    spec = [(box, column, row, _wrap(lines)) for box, column, row, lines in spec]
    frame = pd.DataFrame(spec, columns=["box", "column", "row", "lines"])
    row_heights = frame.groupby("row")["lines"].apply(lambda ls: max(len(x) for x in ls) * LINE_HEIGHT + 16)
    tops = row_heights.cumsum().shift(fill_value=0) + ROW_GAP * row_heights.index
    frame["height"] = frame["row"].map(row_heights)
    frame["x"] = frame["column"] * (BOX_WIDTH + COLUMN_GAP)
    frame["x2"] = frame["x"] + BOX_WIDTH
    frame["y"] = frame["row"].map(tops)
    frame["y2"] = frame["y"] + frame["height"]
    return frame


ARROWS = [
    ("identified", "removed"), ("identified", "screened"), ("screened", "excluded"), ("screened", "sought"),
    ("sought", "not-retrieved"), ("sought", "assessed"), ("assessed", "reports-excluded"), ("assessed", "new"),
    ("new", "total"), ("previous", "total"),
]


def _arrow_segments(frame: pd.DataFrame) -> pd.DataFrame:
    by_name = frame.set_index("box")
    segments = []
    for source, target in ARROWS:
        a, b = by_name.loc[source], by_name.loc[target]
        if a["row"] == b["row"]:  # sideways: right edge to left edge
            y = (a["y"] + a["y2"]) / 2
            segments.append({"x": a["x2"], "y": y, "x2": b["x"], "y2": y, "end_x": b["x"], "end_y": y, "angle": 90})
        elif a["column"] == b["column"]:  # straight down
            x = (a["x"] + a["x2"]) / 2
            segments.append({"x": x, "y": a["y2"], "x2": x, "y2": b["y"], "end_x": x, "end_y": b["y"], "angle": 180})
        else:  # down to the total box, which sits in the first column
            x = (a["x"] + a["x2"]) / 2 if a["column"] == 0 else a["x"] + 20
            target_x = x if a["column"] == 0 else b["x2"]
            if a["column"] == 0:
                segments.append({"x": x, "y": a["y2"], "x2": x, "y2": b["y"], "end_x": x, "end_y": b["y"], "angle": 180})
            else:
                mid = (b["y"] + b["y2"]) / 2
                segments.append({"x": x, "y": a["y2"], "x2": x, "y2": mid, "end_x": None, "end_y": None, "angle": None})
                segments.append({"x": x, "y": mid, "x2": target_x, "y2": mid, "end_x": target_x, "end_y": mid, "angle": 270})
    return pd.DataFrame(segments)


def prisma_chart(rounds: list[dict], studies_on_file: int) -> alt.LayerChart:
    """The PRISMA 2020 flow diagram for an updated (living) review."""
    frame = boxes(flow(rounds, studies_on_file))
    frame["text"] = frame["lines"]
    arrows = _arrow_segments(frame)
    width = 3 * BOX_WIDTH + 2 * COLUMN_GAP
    height = int(frame["y2"].max())
    x = alt.Scale(domain=[0, width], nice=False, zero=True)
    y = alt.Scale(domain=[0, height], reverse=True, nice=False, zero=True)
    rects = alt.Chart(frame).mark_rect(fill=BOX_COLOUR, stroke="#333", strokeWidth=1).encode(
        x=alt.X("x:Q", scale=x, axis=None), x2="x2:Q", y=alt.Y("y:Q", scale=y, axis=None), y2="y2:Q"
    )
    texts = alt.Chart(frame).mark_text(align="left", baseline="top", fontSize=10, lineHeight=LINE_HEIGHT, dx=8, dy=8).encode(
        x=alt.X("x:Q", scale=x), y=alt.Y("y:Q", scale=y), text="text"
    )
    lines = alt.Chart(arrows).mark_rule(color="#333").encode(
        x=alt.X("x:Q", scale=x), y=alt.Y("y:Q", scale=y), x2="x2:Q", y2="y2:Q"
    )
    heads = alt.Chart(arrows.dropna(subset=["angle"])).mark_point(shape="triangle", filled=True, color="#333", size=40).encode(
        x=alt.X("end_x:Q", scale=x), y=alt.Y("end_y:Q", scale=y), angle=alt.Angle("angle:Q", scale=None)
    )
    return (
        alt.layer(rects, lines, heads, texts)
        .properties(width=width, height=height)
        .configure_view(stroke=None)
    )


def description(rounds: list[dict], studies_on_file: int) -> str:
    """The diagram's text alternative: every box's text, in reading order."""
    frame = boxes(flow(rounds, studies_on_file)).sort_values(["row", "column"])
    return "PRISMA 2020 flow diagram. " + " ".join(" ".join(l.strip() for l in lines).rstrip(".") + "." for lines in frame["lines"])
