"""The PRISMA 2020 flow diagram of a living review, computed from the screening log.

The latest round is drawn as the new search; the studies included by every earlier round form the
"previous edition" arm; the total is the number of study files the review holds. Every count comes
from :func:`figures.screening_log.prisma_counts` (the records and their decisions), so no box holds
a typed number. Where a source's own size was not recorded, the box says so in a sentence. The
diagram is an Altair chart, so its text travels as JSON data through ``render.chart`` and is
never pasted into markup.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import altair as alt
import pandas as pd

from figures import formats, palette
from figures.screening_log import REASONS, PrismaCounts, prisma_counts

BOX_WIDTH = 250
COLUMN_GAP = 40
LINE_HEIGHT = 14
ROW_GAP = 30
WRAP_CHARACTERS = 46


@dataclass(frozen=True)
class Flow:
    """The latest round and its counts, the studies of earlier rounds, the studies on file."""

    latest: dict
    counts: PrismaCounts
    previous_studies: int
    earlier_rounds: int
    studies_on_file: int


def flow(rounds: list[dict], studies_on_file: int) -> Flow:
    """The flow of the latest round (by round number); earlier rounds form the previous edition.

    ``studies_on_file`` is the number of study files in the dataset: what the review holds now.
    """
    if not rounds:
        raise ValueError("the screening log (data/screening/) holds no round")
    ordered = sorted(rounds, key=lambda r: r["round"])
    previous = sum(prisma_counts(r).included for r in ordered[:-1])
    return Flow(ordered[-1], prisma_counts(ordered[-1]), previous, len(ordered) - 1, studies_on_file)


def _identified_lines(latest: dict, counts: PrismaCounts) -> list[str]:
    lines = [f"Records identified (round {latest['round']}, {latest['date']}): n = {formats.count(counts.identified)}"]
    held = [source.get("records") for source in latest.get("databases") or []]
    for source in latest.get("databases") or []:
        lines.append(
            f"\u2022 {source['name']}"
            + (f": {formats.count(source['records'])} entries" if source.get("records") is not None else "")
        )
    if sum(n for n in held if n is not None) > counts.identified:
        lines.append(
            f"\u2022 only the {formats.count(counts.identified)} records logged one by one are counted "
            "(the screening log says why)"
        )
    queries = latest.get("queries") or []
    if queries:
        returned = [q["records"] for q in queries if q.get("records") is not None]
        line = f"\u2022 {len(queries)} saved quer{'y' if len(queries) == 1 else 'ies'}"
        if returned:
            line += f", {formats.count(sum(returned))} hits before de-duplication"
        unknown = len(queries) - len(returned)
        if unknown:
            line += f"; how many records {unknown} of them returned was not recorded"
        lines.append(line)
    return lines


def _reason_lines(by_reason: dict[str, int]) -> list[str]:
    return [f"\u2022 {REASONS[code]}: {formats.count(n)}" for code, n in by_reason.items()]


def _wrap(lines: list[str]) -> list[str]:
    wrapped = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()))
        wrapped += textwrap.wrap(
            line, WRAP_CHARACTERS, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False
        )
    return wrapped


def boxes(f: Flow) -> pd.DataFrame:
    """Every box of the diagram: column, row, text lines (the chart and the tests read this)."""
    c = f.counts
    previous = (
        ["No previous edition: this round is the review's starting set."]
        if f.earlier_rounds == 0
        else [
            f"Studies included in the previous edition ({formats.plural(f.earlier_rounds, 'earlier round')}): "
            f"n = {formats.count(f.previous_studies)}"
        ]
    )
    screened = [f"Records screened: n = {formats.count(c.screened)}"]
    if c.awaiting:
        screened.append(f"\u2022 still awaiting a decision: {formats.count(c.awaiting)}")
    spec = [
        ("previous", 0, 0, previous),
        ("identified", 1, 0, _identified_lines(f.latest, c)),
        (
            "removed",
            2,
            0,
            [f"Records removed before screening: n = {formats.count(c.removed)}", *_reason_lines(c.removed_by_reason)],
        ),
        ("screened", 1, 1, screened),
        (
            "excluded",
            2,
            1,
            [f"Records excluded: n = {formats.count(c.excluded)}", *_reason_lines(c.excluded_by_reason)],
        ),
        ("new", 1, 2, [f"New studies included in this round: n = {formats.count(c.included)}"]),
        ("total", 0, 3, [f"Studies in the review (study files): n = {formats.count(f.studies_on_file)}"]),
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
    ("identified", "removed"),
    ("identified", "screened"),
    ("screened", "excluded"),
    ("screened", "new"),
    ("new", "total"),
    ("previous", "total"),
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
                segments.append(
                    {"x": x, "y": a["y2"], "x2": x, "y2": b["y"], "end_x": x, "end_y": b["y"], "angle": 180}
                )
            else:
                mid = (b["y"] + b["y2"]) / 2
                segments.append({"x": x, "y": a["y2"], "x2": x, "y2": mid, "end_x": None, "end_y": None, "angle": None})
                segments.append(
                    {"x": x, "y": mid, "x2": target_x, "y2": mid, "end_x": target_x, "end_y": mid, "angle": 270}
                )
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
    rects = (
        alt.Chart(frame)
        .mark_rect(fill=palette.BOX, stroke=palette.OUTLINE, strokeWidth=1)
        .encode(x=alt.X("x:Q", scale=x, axis=None), x2="x2:Q", y=alt.Y("y:Q", scale=y, axis=None), y2="y2:Q")
    )
    texts = (
        alt.Chart(frame)
        .mark_text(align="left", baseline="top", fontSize=10, lineHeight=LINE_HEIGHT, dx=8, dy=8)
        .encode(x=alt.X("x:Q", scale=x), y=alt.Y("y:Q", scale=y), text="text")
    )
    lines = (
        alt.Chart(arrows)
        .mark_rule(color=palette.OUTLINE)
        .encode(x=alt.X("x:Q", scale=x), y=alt.Y("y:Q", scale=y), x2="x2:Q", y2="y2:Q")
    )
    heads = (
        alt.Chart(arrows.dropna(subset=["angle"]))
        .mark_point(shape="triangle", filled=True, color=palette.OUTLINE, size=40)
        .encode(x=alt.X("end_x:Q", scale=x), y=alt.Y("end_y:Q", scale=y), angle=alt.Angle("angle:Q", scale=None))
    )
    return alt.layer(rects, lines, heads, texts).properties(width=width, height=height).configure_view(stroke=None)


def description(rounds: list[dict], studies_on_file: int) -> str:
    """The diagram's text alternative: every box's text, in reading order."""
    frame = boxes(flow(rounds, studies_on_file)).sort_values(["row", "column"])
    return "PRISMA 2020 flow diagram. " + " ".join(
        " ".join(line.strip() for line in lines).rstrip(".") + "." for lines in frame["lines"]
    )
