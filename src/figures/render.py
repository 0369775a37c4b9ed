"""One display path for both editions: every output of the book is a :class:`Display` (a MIME
bundle) made here, and myst-nb picks the type each builder takes (pinned in ``_config.yml``).

A chart is shown as an interactive Vega view in HTML and as a vector PDF of the same spec in the
PDF edition. Its Vega-Lite spec is compiled to Vega here, by vl-convert, so the site serves the
Vega runtime alone (``static/vega/``, never a CDN; ``static/hepmet.js`` draws the view) and the
static SVG drawing comes from that same Vega spec (``chart_drawings``). The drawing is a file of the site named by the
spec's digest (``sphinx_ext`` copies it from the build's chart store), shown inside ``<noscript>``
to a reader without JavaScript, and by ``hepmet.js`` if the interactive view fails; a reader whose
browser draws the chart never downloads it.
A table is emitted as a MyST ``list-table``: Sphinx then writes a real, escaped table in each
builder, numbered and captioned, with no HTML object leaking into the PDF. A summary table meant
for small screens (:func:`stacked_table`) is written as raw HTML, whose rows stack into labelled
blocks on a narrow screen, and as a raw LaTeX longtable; both escaped.
"""

from __future__ import annotations

import html
import re

import altair as alt
import pandas as pd

from figures import chart_drawings, paths

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it makes contributor
# text inert (no Markdown, no MyST roles or directives, no raw HTML, no math).
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(value: object) -> str:
    """Return ``value`` as literal MyST text: every ASCII punctuation mark backslash-escaped."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = " ".join(str(value).split())
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def _script_safe(json_text: str) -> str:
    # Inside <script>, "</script>" or "<!--" in a string would end the element: encode the brackets.
    return json_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Display:
    """One output of a chapter cell: the MIME bundle myst-nb renders, one type per builder.

    ``_config.yml`` pins which type each builder takes (``nb_mime_priority_overrides``): the site
    takes ``text/html``, then ``text/markdown``; the PDF takes ``text/markdown`` (a chart's is a raw
    LaTeX include of its drawing). ``text/plain`` is the fallback of both. Every output
    of the book is one of these objects; no other module builds a bundle or calls ``display()``.
    """

    def __init__(self, bundle: dict[str, str]):
        if "text/plain" not in bundle:
            raise ValueError("every output needs a text/plain fallback")
        self.bundle = bundle

    @property
    def markdown(self) -> str:
        return self.bundle.get("text/markdown", "")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return dict(self.bundle)


class Displays:
    """Several outputs of one cell, in order (one chart per appraisal tool, a chart and its
    table): each becomes an output of its own, exactly as if shown one by one."""

    def __init__(self, parts: list[Display]):
        self.parts = list(parts)

    def _ipython_display_(self):
        from IPython.display import display  # the one place an output is displayed explicitly

        for part in self.parts:
            display(part)


def nothing() -> Displays:
    """No output at all, for a note with nothing to say: the page then shows no empty block."""
    return Displays([])


def with_note(drawing: Display, sentence: str) -> Display:
    """A chart and a sentence under it as one output (a cell that is a figure may hold only one;
    the PDF edition shows the chart's drawing alone)."""
    bundle = dict(drawing.bundle)
    bundle["text/html"] += f'<p class="hepmet-chart-note">{html.escape(sentence)}</p>\n'
    bundle["text/plain"] += f" {sentence}"
    return Display(bundle)


def markdown(text: str, plain: str) -> Display:
    """Generated MyST text (a note, a sentence with citations), shown in both editions. The caller
    has escaped every contributor value in ``text`` (:func:`escape_markdown`) or checked it."""
    return Display({"text/markdown": text, "text/plain": plain})


def notice(sentence: str) -> Display:
    """A sentence in place of an output that has no data yet (plain text: never markup)."""
    return markdown(escape_markdown(sentence), sentence)


def chart(drawing: alt.TopLevelMixin, description: str) -> Display:
    """A chart with its text alternative: an interactive Vega view in HTML (its static SVG for
    readers without JavaScript), a vector PDF of the same spec in the PDF edition."""
    if not description or not description.strip():
        raise ValueError("every chart needs a text description for screen readers")
    spec = drawing.to_dict(validate=False)  # validated once by tests/test_chart_specs.py, not in every build
    description = " ".join(description.split())
    digest = chart_drawings.chart_digest(spec)
    # Ids come from the spec, so the same chart gives the same bytes in every build.
    cid = "chart-" + digest[:16]
    vega = chart_drawings.vega_spec(spec)
    chart_drawings.draw_in_background(spec, vega)  # into the build's store; sphinx_ext copies it to the site
    label = html.escape(description, quote=True)
    # The static drawing: a site path from the site's root, which sphinx_ext makes relative to each
    # page. Inside <noscript> a browser that runs scripts never fetches it; data-static lets
    # hepmet.js show it when drawing fails. The container carries the text alternative, so the
    # image itself is decorative (alt="").
    static = f"{paths.CHART_IMAGES}/{digest}.svg"
    page = (
        f'<div class="hepmet-chart" id="{cid}" role="img" aria-label="{label}" data-static="{static}">'
        f'<noscript><img class="hepmet-chart-static" alt="" src="{static}"></noscript></div>\n'
        f'<script type="application/json" id="{cid}-spec">{_script_safe(chart_drawings.spec_json(vega))}</script>\n'
        f'<p class="hepmet-chart-description visually-hidden">{html.escape(description)}</p>\n'
        f'<script>(window.hepmetCharts = window.hepmetCharts || []).push("{cid}");</script>\n'
    )
    # The PDF edition takes the MyST text: a raw LaTeX include of the chart's drawing.
    return Display(
        {
            "text/html": page,
            "text/markdown": chart_drawings.latex_include(spec),
            "text/plain": f"[chart: {description}]",
        }
    )


def _column_widths(frame: pd.DataFrame) -> list[int]:
    """Relative column widths from the text each column holds, so that the PDF gives the long
    prose columns room and narrow codes little (LaTeX cannot size wrapped columns)."""
    widths = []
    for column in frame.columns:
        cells = [str(v) for v in frame[column] if v is not None and str(v) != "nan"]
        mean_cell = sum(len(c) for c in cells) / len(cells) if cells else 1
        # Headers may wrap; a cell's longest word (a name, a number) should not.
        longest_word = min(max((len(w) for c in cells for w in c.split()), default=1), 14)
        widths.append(round(max(min(mean_cell, 30), longest_word * 2, 4)))
    return widths


def _check_table(frame: pd.DataFrame, widths) -> None:
    if frame.empty:
        raise ValueError("a table needs at least one row; say in the text that there is no data")
    if widths is not None and len(widths) != len(frame.columns):
        raise ValueError(f"{len(widths)} widths for {len(frame.columns)} columns")


def list_table(
    frame: pd.DataFrame, caption: str | None = None, name: str | None = None, widths: list[int] | None = None
) -> str:
    """``frame`` as a MyST list-table: escaped cells, optional caption, label and relative widths."""
    _check_table(frame, widths)

    def row(values) -> str:
        cells = [escape_markdown(v) or "\u2014" for v in values]  # an em dash marks an empty cell
        return "* - " + cells[0] + "".join(f"\n  - {c}" for c in cells[1:])

    lines = [f":::{{list-table}} {escape_markdown(caption) if caption else ''}".rstrip()]
    lines.append(":header-rows: 1")
    # longtable: a long table breaks across PDF pages instead of running off the page.
    lines.append(":class: hepmet-table longtable")
    # Widths given by the caller win over the ones estimated from the text.
    lines.append(":widths: " + " ".join(str(int(w)) for w in (widths or _column_widths(frame))))
    if name:
        lines.append(f":name: {name}")
    lines.append("")
    lines.append(row(frame.columns))
    for values in frame.itertuples(index=False):
        lines.append(row(values))
    lines.append(":::")
    return "\n".join(lines) + "\n"


def table(
    frame: pd.DataFrame, caption: str | None = None, name: str | None = None, widths: list[int] | None = None
) -> Display:
    """``frame`` as a table in both editions: Sphinx writes a real, escaped, numbered table in each
    builder from the MyST list-table; ``widths`` are optional relative column widths."""
    return markdown(list_table(frame, caption, name, widths), frame.to_string(index=False))


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))


def escape_latex(value: object) -> str:
    """Return ``value`` as literal LaTeX text: every special character escaped."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_SPECIALS[m.group()], " ".join(str(value).split()))


def fence_for(*texts: str) -> str:
    """A backtick fence longer than any run of backticks in ``texts``."""
    longest = max((len(run) for t in texts for run in re.findall("`+", t)), default=0)
    return "`" * max(3, longest + 1)


def stacked_table_html(frame: pd.DataFrame, caption: str) -> str:
    """An HTML table whose rows stack into labelled blocks on a narrow screen (each cell carries
    its column name); every value escaped."""
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    lines = [
        '<table class="hepmet-stacked">',
        f"<caption>{html.escape(caption)}</caption>",
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>",
    ]
    for values in frame.itertuples(index=False):
        first, *rest = [html.escape(str(v)) for v in values]
        cells = "".join(
            f'<td data-label="{html.escape(str(c), quote=True)}">{v}</td>' for c, v in zip(frame.columns[1:], rest)
        )
        lines.append(f'<tr><th scope="row">{first}</th>{cells}</tr>')
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def stacked_table_latex(frame: pd.DataFrame, caption: str, widths: list[float]) -> str:
    """The same table as a raw LaTeX longtable with relative column ``widths``; every value escaped."""
    total = sum(widths)
    spec = "".join(rf">{{\raggedright\arraybackslash}}p{{{w / total * 0.94:.3f}\linewidth}}" for w in widths)
    head = " & ".join(rf"\textbf{{{escape_latex(c)}}}" for c in frame.columns) + r" \\"
    lines = [
        rf"\par\noindent\textbf{{{escape_latex(caption)}}}\par",
        rf"\begin{{longtable}}{{{spec}}}",
        r"\hline",
        head,
        r"\hline",
        r"\endhead",
    ]
    for values in frame.itertuples(index=False):
        lines.append(" & ".join(escape_latex(v) for v in values) + r" \\ \hline")
    lines.append(r"\end{longtable}")
    return "\n".join(lines)


def stacked_table(frame: pd.DataFrame, caption: str, widths: list[float]) -> Display:
    """A small summary table readable on a phone (stacked rows) and in the PDF (``widths``: relative
    column widths of the LaTeX table), as raw HTML and raw LaTeX blocks of one MyST text."""
    _check_table(frame, widths)
    html_text, latex_text = stacked_table_html(frame, caption), stacked_table_latex(frame, caption, widths)
    fence = fence_for(html_text, latex_text)
    text = f"{fence}{{raw}} html\n{html_text}\n{fence}\n\n{fence}{{raw}} latex\n{latex_text}\n{fence}\n"
    return markdown(text, frame.to_string(index=False))
