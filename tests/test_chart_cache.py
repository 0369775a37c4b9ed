"""Chart PDFs are drawn once per spec within a build's cache, when a LaTeX build asks for them
(figures.render)."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest

from figures import chart_drawings, paths, render


def test_a_chart_pdf_is_drawn_once_per_spec_and_reused(tmp_path, monkeypatch):
    spec = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q").to_dict()
    monkeypatch.setenv(paths.CHART_CACHE_VAR, str(tmp_path))
    first = chart_drawings.chart_pdf(spec)
    (kept,) = tmp_path.glob("*.pdf")
    assert first.startswith(b"%PDF") and kept.read_bytes() == first
    kept.write_bytes(b"%PDF kept")  # a second call must read the kept file, not draw again
    assert chart_drawings.chart_pdf(spec) == b"%PDF kept"
    other = alt.Chart(pd.DataFrame({"x": [3]})).mark_point().encode(x="x:Q").to_dict()
    chart_drawings.chart_pdf(other)
    assert len(list(tmp_path.glob("*.pdf"))) == 2  # another spec, another file
    monkeypatch.delenv(paths.CHART_CACHE_VAR)
    assert chart_drawings.chart_pdf(spec) == first  # outside a build nothing is kept: drawn afresh, same bytes


def test_a_chart_includes_its_drawing_by_digest_and_the_latex_build_draws_it(tmp_path, monkeypatch):
    store, tex_folder = tmp_path / "store", tmp_path / "latex"
    tex_folder.mkdir()
    monkeypatch.setenv(paths.CHART_CACHE_VAR, str(store))
    chart = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")
    bundle = render.chart(chart, "two points")._repr_mimebundle_()
    assert "application/pdf" not in bundle  # nothing is drawn while the page runs
    (digest,) = re.findall(r"chart-([0-9a-f]{64})\}\.pdf", bundle["text/markdown"])
    assert (store / f"{digest}.vl.json").is_file()
    (tex_folder / "book.tex").write_text("before\n" + bundle["text/markdown"] + "after\n", encoding="utf-8")
    (drawn,) = chart_drawings.write_chart_pdfs(tex_folder)
    assert drawn.name == f"chart-{digest}.pdf" and drawn.read_bytes() == chart_drawings.chart_pdf(chart.to_dict())
    (store / f"{digest}.vl.json").unlink()  # a spec the pages did not keep: one clear message
    with pytest.raises(FileNotFoundError, match=f"the chart {digest[:16]} has no kept spec"):
        chart_drawings.write_chart_pdfs(tex_folder)


def test_an_html_build_leaves_every_chart_drawn_for_the_pdf(built_site):
    # Drawn by the worker process while the pages ran: a PDF built after the site draws nothing.
    from figures.paths import build_state

    store = build_state(built_site) / "charts"
    specs = {p.name.removesuffix(chart_drawings.SPEC_SUFFIX) for p in store.rglob("*" + chart_drawings.SPEC_SUFFIX)}
    assert len(specs) >= 10
    assert {p.stem for p in store.rglob("*.svg")} >= specs
    assert {p.stem for p in store.rglob("*.pdf")} >= specs


def test_a_chart_names_its_static_drawing_and_keeps_it_out_of_the_page(tmp_path, monkeypatch):
    # The drawing is a file of the site (named by the spec's digest, kept in the build's store),
    # inside <noscript>: a browser that draws the chart never downloads it.
    chart = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")
    monkeypatch.setenv(paths.CHART_CACHE_VAR, str(tmp_path))
    page = render.chart(chart, "two points")._repr_mimebundle_()["text/html"]
    digest = chart_drawings.chart_digest(chart.to_dict())
    static = f"{paths.CHART_IMAGES}/{digest}.svg"
    noscript = f'<noscript><img class="hepmet-chart-static" alt="" src="{static}"></noscript>'
    assert f'data-static="{static}">{noscript}' in page
    assert "base64" not in page and "vega-lite" not in page  # the page carries the Vega spec only
    chart_drawings.wait_for_drawings()  # drawn by the worker process, as in a build
    assert (tmp_path / f"{digest}.svg").read_text(encoding="utf-8").startswith("<svg")
    assert (tmp_path / f"{digest}.pdf").read_bytes().startswith(b"%PDF")


def test_a_chart_that_cannot_be_drawn_is_named_when_the_build_waits(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.CHART_CACHE_VAR, str(tmp_path))
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "mark": "point"}
    chart_drawings.draw_in_background(spec, {"marks": [{"type": "no-such-mark"}]})
    with pytest.raises(RuntimeError, match=f"the chart {chart_drawings.chart_digest(spec)[:16]} could not be drawn"):
        chart_drawings.wait_for_drawings()
