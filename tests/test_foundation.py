"""The foundation: the book builds from a fresh copy, offline charts, tables in both editions,
pages re-executed exactly when their inputs change, reproducible bytes."""

from __future__ import annotations

import filecmp
import re
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup

from figures.paths import build_state

from conftest import copy_project, require_tool, run_hepmet, toc_pages

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


def executed_pages(root: Path) -> list[str]:
    """Pages that the latest build of ``root`` executed (markers written by figures.sphinx_ext)."""
    folder = build_state(root) / "executed"
    return sorted(p.name.replace("__", "/") for p in folder.iterdir()) if folder.exists() else []


def test_every_page_is_built_with_its_heading(built_site):
    for page in toc_pages():
        html = built_site / "_build" / "html" / f"{page}.html"
        assert html.exists(), f"{page} was not built"
        heading = soup(built_site, page).find("h1")
        assert heading is not None and page_title(page) in plain(heading.get_text()), page


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
    text = subprocess.run([pdftotext, "-layout", str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout
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


def test_a_data_change_re_executes_only_the_pages_that_use_it(tmp_path):
    root = copy_project(tmp_path / "book")
    first = run_hepmet(root, "build")
    assert first.returncode == 0, first.stderr
    assert "book/wilms-tumor" in executed_pages(root)

    unchanged = run_hepmet(root, "build")
    assert unchanged.returncode == 0, unchanged.stderr
    assert executed_pages(root) == []

    # One Wilms tumor study corrected: the Wilms chapter and the pages over all studies re-run,
    # the chapters of other tumours do not.
    study = root / "data" / "studies" / "varan2005prognostic.yaml"
    original = study.read_text()
    assert "estimate: 16.6" in original
    study.write_text(original.replace("estimate: 16.6", "estimate: 17.6", 1))
    changed = run_hepmet(root, "build")
    assert changed.returncode == 0, changed.stderr
    executed = executed_pages(root)
    assert {"book/wilms-tumor", "book/evidence-tables"} <= set(executed)
    assert not {"book/neuroblastoma", "book/introduction", "book/other-malignancies/gist"} & set(executed)
    assert "17.6%" in soup(root, "book/wilms-tumor").get_text()
    assert "16.6%" not in soup(root, "book/wilms-tumor").get_text()


def test_two_clean_builds_give_identical_html(built_site, second_clean_build):
    a, b = built_site / "_build" / "html", second_clean_build.first_site
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    differing = [str(n) for n in names if not filecmp.cmp(a / n, b / n, shallow=False)]
    assert differing == []
