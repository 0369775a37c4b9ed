"""The charts of a built page as the browser gets them: Vega specs, compiled from the Vega-Lite
specs at build time (figures.render.chart), read back for the tests."""

from __future__ import annotations

import json
import re

SPEC = re.compile(r'<script type="application/json" id="chart-[0-9a-f]+-spec">(.*?)</script>', re.S)
_PANEL = re.compile(r"concat_\d+_group")


def page_specs(page: str) -> list[dict]:
    """Every chart's Vega spec in a built page, in page order."""
    return [json.loads(block) for block in SPEC.findall(page)]


def datasets(spec: dict) -> list[list[dict]]:
    """The rows of each inline dataset of a Vega spec (Vega-Lite's ``datasets``)."""
    return [data["values"] for data in spec.get("data", []) if "values" in data]


def side_by_side(spec: dict) -> bool:
    """Whether the chart is panels side by side (Vega-Lite ``hconcat``: a layout with no columns)."""
    return "layout" in spec and "columns" not in spec["layout"]


def stacked(spec: dict) -> bool:
    """Whether the chart is panels one above the other (Vega-Lite ``vconcat``: one column)."""
    return spec.get("layout", {}).get("columns") == 1


def panels(spec: dict) -> int:
    """How many panels a concatenated chart draws."""
    return sum(1 for mark in spec.get("marks", []) if _PANEL.fullmatch(mark.get("name", "")))
