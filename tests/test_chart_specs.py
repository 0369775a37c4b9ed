"""Every chart the chapters draw is a valid Vega-Lite spec.

``render.chart`` serialises a chart without Altair's validation (it took about 2 s of every
build); this test validates every chart of the book instead, once, against the Vega-Lite schema
Altair ships, on the real dataset and without building (the static drawings are skipped).
"""

from __future__ import annotations

from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from jsonschema.exceptions import ValidationError

from conftest import REPO
from test_chapter_cells import CHAPTERS, _cells


def test_every_chart_the_chapters_draw_is_a_valid_vega_lite_spec(monkeypatch):
    from figures import chart_drawings, deps, paths

    specs = []
    # The Vega-Lite spec is read where it is compiled to Vega; nothing is compiled or drawn.
    monkeypatch.setattr(chart_drawings, "vega_spec", lambda spec: specs.append((page.name, spec)) or spec)
    monkeypatch.setattr(chart_drawings, "chart_svg", lambda spec, vega=None: "<svg></svg>")
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(REPO / "data"))
    monkeypatch.delenv(paths.CHART_CACHE_VAR, raising=False)
    monkeypatch.delenv(deps.DEPS_FILE_VAR, raising=False)
    for page in CHAPTERS:
        namespace = {}  # one per page, as in a build: its first cell imports figures.chapter
        for cell in _cells(page):
            exec(cell, namespace)  # calls to figures.chapter only (test_chapter_cells)
    assert specs, "no chart was drawn: the test no longer sees the chapters' charts"
    schema = load_schema()
    invalid = []
    for name, spec in specs:
        try:
            validate_jsonschema(spec, schema)
        except ValidationError as error:
            invalid.append(f"{name}: {error.message[:200]}")
    assert invalid == []
