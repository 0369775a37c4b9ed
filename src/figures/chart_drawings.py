"""A chart's drawings, apart from the pages that show them: its Vega spec, its static SVG (the
site's image) and its vector PDF (the PDF edition's), each named by the digest of its Vega-Lite
spec and kept in the build's chart store (``paths.chart_cache_dir()``).

Kept apart from ``render`` so that the LaTeX build, which draws the PDFs once its files are written
(:func:`write_chart_pdfs`), does not import Altair and pandas to do it.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from figures import paths


def spec_json(spec: dict) -> str:
    """The canonical JSON of a spec (sorted keys): what its digest and the page carry."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


_CREATION_DATE = re.compile(rb"/CreationDate \(D:\d{14}Z\)")


def chart_digest(spec: dict) -> str:
    """The name of a chart's drawings (SVG, PDF) in the build's store and in the site."""
    return hashlib.sha256(spec_json(spec).encode()).hexdigest()


def _kept(digest: str, suffix: str) -> Path | None:
    folder = paths.chart_cache_dir()
    return folder / (digest + suffix) if folder else None


def _keep(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(content)
    partial.replace(path)  # whole or absent, never half written


def vega_spec(spec: dict) -> dict:
    """The Vega spec of a Vega-Lite spec, compiled by vl-convert (its default Vega-Lite version):
    the interactive view and the static drawing are both drawn from it, so they cannot disagree."""
    import vl_convert  # imported here: pages that draw no chart do not pay for it

    return vl_convert.vegalite_to_vega(spec)


def chart_svg(spec: dict, vega: dict | None = None) -> str:
    """The static SVG drawing of a Vega-Lite spec (stable bytes: the site's image and the source of
    the PDF chart), from its Vega spec ``vega`` when the caller already has it.

    In a build it is kept under the spec's digest (``paths.chart_cache_dir()``): a page re-executed
    after a data change redraws only the charts whose spec changed, and ``sphinx_ext`` copies the
    drawings the pages show into the site.
    """
    cached = _kept(chart_digest(spec), ".svg")
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    import vl_convert

    svg = vl_convert.vega_to_svg(vega if vega is not None else vega_spec(spec))
    if cached is not None:
        _keep(cached, svg.encode("utf-8"))
    return svg


def chart_pdf(spec: dict, svg: str | None = None) -> bytes:
    """A vector PDF of a Vega-Lite spec whose bytes depend on the spec alone.

    vl-convert's own PDF writer orders dictionaries and font objects differently in every process,
    so the PDF edition could never be byte-reproducible; its SVG is stable. cairo draws that SVG
    (``svg``, when the caller already has it) as a PDF whose only varying field, the creation date,
    is pinned (same length, so the file's offsets stay valid).

    In a build, each PDF is kept under the spec's digest (``paths.chart_cache_dir()``, a folder
    named by the code and library versions): a page re-executed after a data change redraws only
    the charts whose spec changed, and the PDF edition reuses what the site's build drew.
    """
    cached = _kept(chart_digest(spec), ".pdf")
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    # Imported here: pages that draw no chart do not pay for cairo.
    import cairosvg

    svg = svg if svg is not None else chart_svg(spec)
    pdf = _CREATION_DATE.sub(b"/CreationDate (D:19700101000000Z)", cairosvg.svg2pdf(bytestring=svg.encode("utf-8")))
    if cached is not None:
        _keep(cached, pdf)
    return pdf


def latex_include(spec: dict) -> str:
    """The PDF edition's chart: an include of its vector drawing, named by the spec's digest.

    The page only names the drawing: it is drawn off the page's execution
    (:func:`draw_in_background`) and included when a LaTeX build writes its files
    (:func:`write_chart_pdfs`). The site's build and the PDF's share one execution of every page:
    ``make pdf`` after ``make build`` runs no chapter again and finds the drawings made.
    """
    digest = chart_digest(spec)
    kept = _kept(digest, SPEC_SUFFIX)
    if kept is not None and not kept.is_file():  # in a build: the LaTeX build draws from it
        _keep(kept, spec_json(spec).encode())
    include = f"\\noindent\\sphinxincludegraphics{{{{{CHART_PDF_PREFIX}{digest}}}.pdf}}"
    return f"```{{raw}} latex\n{include}\n```\n"


CHART_PDF_PREFIX = "chart-"
SPEC_SUFFIX = ".vl.json"
_CHART_INCLUDE = re.compile(re.escape(CHART_PDF_PREFIX) + r"([0-9a-f]{64})\}\.pdf")


def write_chart_pdfs(tex_folder: Path) -> list[Path]:
    """Draw every chart the LaTeX files in ``tex_folder`` include, from the specs the pages kept,
    beside them (the LaTeX build's last step before TeX runs); returns the files written."""
    folder = paths.chart_cache_dir()
    written = []
    digests = sorted({d for tex in tex_folder.glob("*.tex") for d in _CHART_INCLUDE.findall(tex.read_text("utf-8"))})
    wait_for_drawings()
    for digest in digests:
        kept = folder / f"{digest}{SPEC_SUFFIX}" if folder is not None else None
        if kept is None or not kept.is_file():
            raise FileNotFoundError(
                f"the chart {digest[:16]} has no kept spec in {folder}: run `hepmet build --all --pdf`"
            )
        target = tex_folder / f"{CHART_PDF_PREFIX}{digest}.pdf"
        target.write_bytes(chart_pdf(json.loads(kept.read_text("utf-8"))))
        written.append(target)
    return written


# --- drawing off the pages' execution -----------------------------------------------------------
# vl-convert and cairo took about a third of a clean build's execution, and they hold the
# interpreter lock (two threads drew no faster). In a build they run in one worker process, on the
# machine's other core, while the pages go on executing; the build waits for them before it copies
# the drawings into the site or hands them to TeX (:func:`wait_for_drawings`).
_pending: dict[str, Future] = {}
_workers: list[ProcessPoolExecutor] = []


def start_worker() -> None:
    """Start the worker process now (the build calls this before any page runs).

    A spawned process is prepared from this process's ``__main__``, which, while a page runs in
    the in-process shell, is IPython's namespace and cannot be prepared; the pool never starts a
    second process once it has its one. Spawn, not fork: a fork would copy vl-convert's engine.
    """
    if not _workers:
        _workers.append(ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")))
        _workers[0].submit(int)  # the process starts here, and prepares itself in parallel


def _worker() -> ProcessPoolExecutor:
    start_worker()  # outside a build (a test), the first chart starts it
    return _workers[0]


def _draw(spec: dict, vega: dict, store: str) -> None:
    """In the worker: the chart's SVG, then its PDF from that SVG, both kept in ``store``."""
    os.environ[paths.CHART_CACHE_VAR] = store
    chart_pdf(spec, chart_svg(spec, vega))


def draw_in_background(spec: dict, vega: dict) -> None:
    """In a build, have the chart's SVG and PDF drawn by the worker and kept in the store under the
    spec's digest (nothing to do when both are there). Outside a build nothing is kept or drawn."""
    digest = chart_digest(spec)  # one serialisation of the spec, however large
    svg, pdf = _kept(digest, ".svg"), _kept(digest, ".pdf")
    if svg is None or (svg.is_file() and pdf.is_file()) or digest in _pending:
        return
    _pending[digest] = _worker().submit(_draw, spec, vega, str(paths.chart_cache_dir()))


def wait_for_drawings() -> None:
    """Return once every drawing asked for is in the store; a chart that could not be drawn stops
    the build, named by its digest, with vl-convert's or cairo's message."""
    pending = sorted(_pending.items())
    _pending.clear()
    for digest, future in pending:
        try:
            future.result()
        except Exception as error:
            raise RuntimeError(f"the chart {digest[:16]} could not be drawn: {error}") from error
