"""Every page builds from a fresh copy, with its heading, in both editions: escaped tables, charts
drawn offline (vector in the PDF), nothing loaded from outside the site. (Pages re-executed exactly
when their inputs change: tests/test_incremental.py; reproducible bytes: tests/test_reproducible_builds.py.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup

from conftest import require_tool, toc_pages

REPO = Path(__file__).resolve().parents[1]


def page_title(page: str) -> str:
    for line in (REPO / f"{page}.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{page}.md has no title")


def plain(text: str) -> str:
    """Text with typographic quotes straightened and white space folded, for comparisons."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


def soup(root: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def test_every_page_is_built_with_its_heading(built_site):
    for page in toc_pages():
        html = built_site / "_build" / "html" / f"{page}.html"
        assert html.exists(), f"{page} was not built"
        heading = soup(built_site, page).find("h1")
        assert heading is not None and page_title(page) in plain(heading.get_text()), page


def test_no_page_shows_an_empty_output_block(built_site):
    # A note with nothing to say (no flags for a chapter) must leave no empty box on the page.
    site = built_site / "_build" / "html"
    empty = []
    for page in toc_pages():
        soup = BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
        for output in soup.select("div.cell_output div.output"):
            if not output.get_text(strip=True) and not output.find(["img", "svg", "table", "script"]):
                empty.append(page)
    assert empty == []


def test_introduction_has_an_escaped_table_and_a_chart(built_site):
    page = soup(built_site, "book/introduction")
    table = page.find("table", class_="hepmet-table")
    assert table is not None
    assert "Neuroblastoma" in table.get_text()
    chart = page.find(class_="hepmet-chart")
    assert chart is not None and chart.get("aria-label")
    spec = page.find("script", id=f"{chart['id']}-spec")
    assert spec is not None and '"$schema"' in spec.string
    assert "IPython.core.display" not in page.get_text()


def test_no_page_loads_anything_from_outside_the_site(built_site):
    for html in (built_site / "_build" / "html").rglob("*.html"):
        page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
            for node in page.find_all(tag):
                target = node.get(attr) or ""
                assert not re.match(r"(https?:)?//", target), f"{html.name} loads {target}"


def test_chart_draws_with_the_network_off(built_site):
    from browser import chromium, open_page, serve

    with serve(built_site / "_build" / "html") as base, chromium() as browser:
        visit = open_page(browser, f"{base}/book/introduction.html", allowed_prefix=base)
        visit.page.wait_for_selector(".hepmet-chart svg .mark-rect", timeout=20000)
        assert visit.page.locator(".hepmet-chart-error").count() == 0
        marks = visit.page.locator(".hepmet-chart svg .mark-rect path").count()
        assert marks >= 14  # two ranges for each of seven tumours
        assert visit.outside == [], visit.outside
        assert visit.failed == [], visit.failed
        assert visit.console_errors == [], visit.console_errors


def test_pdf_has_every_chapter_and_a_vector_chart(built_pdf):
    pdftotext = require_tool("pdftotext")
    text = subprocess.run(
        [pdftotext, "-layout", str(built_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = plain(text)
    for page in toc_pages()[1:]:
        if page == "book/references":
            continue
        assert page_title(page) in flat, f"chapter {page_title(page)!r} missing from the PDF"
    assert "IPython.core.display" not in flat
    assert "Neuroblastoma (NB)" in flat  # the Table 1 row made it in as a table

    from pypdf import PdfReader

    reader = PdfReader(str(built_pdf))
    figure_pages = [p for p in reader.pages if "/XObject" in (p.get("/Resources") or {})]
    assert figure_pages, "no page of the PDF carries a figure"
