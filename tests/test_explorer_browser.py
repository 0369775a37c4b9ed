"""The explorable evidence table in headless Chromium, network closed: filters, search, sort.

The site holds the real studies and the fixture studies; exact expectations are on the fixture
rows (citation prefix), and every visible row must satisfy the filter. A page of more rows than
the page holds (``explorer.PAGE_ROWS``) is made without a build: its rows come from the rows
script, as text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from browser import chromium, open_page
from chart_specs import datasets, page_specs, side_by_side
from explorer_rows import explorer_row
from figures import downloads, explorer
from synthesis_site import built_fixture_site

pytestmark = pytest.mark.browser

COLUMNS = ["study", "tumour", "population", "interventions", "outcome"]


@pytest.fixture(scope="module")
def browser():
    # One Playwright session per module: its sync API cannot nest a second one.
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def evidence_page(tmp_path_factory, browser):
    site = built_fixture_site(tmp_path_factory) / "_build" / "html"
    visit = open_page(browser, (site / "book" / "evidence-tables.html").as_uri(), allowed_prefix=site.as_uri())
    visit.page.wait_for_selector(".hepmet-explorer-controls select")
    yield visit
    visit.page.context.close()


def _visible(page) -> list[dict]:
    cells = page.eval_on_selector_all(
        ".hepmet-explorer-table tbody tr:not([hidden])",
        "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent, r.cells[2].textContent,"
        " r.cells[3].dataset.values.split('|'), r.cells[4].textContent])",
    )
    return [dict(zip(COLUMNS, c)) for c in cells]


def _fixture_studies(rows: list[dict]) -> list[str]:
    return sorted(r["study"] for r in rows if r["study"].startswith("Fixture"))


def _select(page, key: str, value: str) -> None:
    page.select_option(f'.hepmet-explorer-controls select[data-key="{key}"]', value)


def _reset(page) -> None:
    for key in ("tumour", "population", "interventions", "outcome"):
        _select(page, key, "")
    page.fill(".hepmet-explorer-search", "")


def _row_count(page) -> int:
    return page.locator(".hepmet-explorer-table tbody tr").count()


def test_the_page_asks_for_nothing_outside_the_site(evidence_page):
    assert evidence_page.outside == []
    assert evidence_page.console_errors == []
    page = evidence_page.page
    assert len(_visible(page)) == _row_count(page)
    assert len(_fixture_studies(_visible(page))) == 8
    # The rows came from the rows script the build wrote beside the downloads.
    assert page.evaluate("window.hepmetExplorerRows['evidence-explorer'].rows.length") == _row_count(page)


def test_filters_narrow_the_rows(evidence_page):
    page = evidence_page.page
    _reset(page)
    _select(page, "tumour", "Wilms tumor")
    rows = _visible(page)
    assert {r["tumour"] for r in rows} == {"Wilms tumor"} and len(rows) < _row_count(page)
    assert _fixture_studies(rows) == ["Fixture A 2001", "Fixture B 2003", "Fixture B 2003", "Fixture C 2005"]
    _select(page, "outcome", "overall survival")
    assert _fixture_studies(_visible(page)) == ["Fixture A 2001", "Fixture B 2003", "Fixture C 2005"]
    _select(page, "population", "pediatric and adolescent")
    rows = _visible(page)
    assert rows == [r for r in rows if r["population"] == "pediatric and adolescent"]
    assert _fixture_studies(rows) == ["Fixture C 2005"]
    assert page.text_content(".hepmet-explorer-count") == f"{len(rows)} of {_row_count(page)} outcomes shown"
    _reset(page)
    # A study with several treatments matches each of them.
    _select(page, "interventions", "surgery")
    rows = _visible(page)
    assert all("surgery" in r["interventions"] for r in rows)
    assert sorted(set(_fixture_studies(rows))) == [
        "Fixture A 2001",
        "Fixture B 2003",
        "Fixture E 2009",
        "Fixture F 2011",
    ]
    _select(page, "interventions", "targeted therapy (imatinib)")
    assert _fixture_studies(_visible(page)) == ["Fixture F 2011"]


def test_search_and_sort(evidence_page):
    page = evidence_page.page
    _reset(page)
    page.fill(".hepmet-explorer-search", "fixture d")
    assert [r["study"] for r in _visible(page)] == ["Fixture D 2007", "Fixture D 2007"]
    page.fill(".hepmet-explorer-search", "")
    script = "rows => rows.map(r => r.cells[9].dataset.sort).filter(v => v !== '').map(parseFloat)"
    page.click('th[data-key="estimate"] button')
    estimates = page.eval_on_selector_all(".hepmet-explorer-table tbody tr", script)
    assert estimates == sorted(estimates) and len(estimates) > 8
    page.click('th[data-key="estimate"] button')
    estimates = page.eval_on_selector_all(".hepmet-explorer-table tbody tr", script)
    assert estimates == sorted(estimates, reverse=True)
    assert page.get_attribute('th[data-key="estimate"]', "aria-sort") == "descending"


def test_forest_plots_draw_offline_with_their_marks(tmp_path_factory, browser):
    root = built_fixture_site(tmp_path_factory)
    site = root / "_build" / "html"
    page_file = site / "book" / "synthesis.html"
    specs = [spec for spec in page_specs(page_file.read_text(encoding="utf-8")) if side_by_side(spec)]
    (pool,) = specs  # the fixture declares one pool
    rows = [row for data in datasets(pool) for row in data if "kind" in row]
    studies = sum(r["kind"] == "study" for r in rows)
    visit = open_page(browser, page_file.as_uri(), allowed_prefix=site.as_uri())
    page = visit.page
    page.wait_for_selector(".hepmet-chart svg")
    assert visit.outside == [] and visit.console_errors == []
    forest_chart = page.locator(".hepmet-chart", has_text=pool["title"]["text"])
    # One square per study row of the spec and one pooled diamond (an area mark) in the SVG.
    assert forest_chart.locator("g.mark-symbol path").count() == studies == 3
    assert forest_chart.locator("g.mark-area path").count() == 1
    page.context.close()


HOSTILE = 'Zz 2020 <img src=x onerror="window.__injected=1">'


def _outcome(index: int, label: str) -> dict:
    return explorer_row(citation=f"s{index}", label=label, tumour="nb", n=10, estimate=50 + index % 40, outcome_id="os")


def test_a_page_of_more_rows_than_it_holds_loads_every_row_from_its_script_as_text(tmp_path, browser):
    total = explorer.PAGE_ROWS + 50
    # The hostile label sorts last: it is only in the rows script, never in the page.
    outcomes = pd.DataFrame([_outcome(i, f"Study {i:04d} 2000") for i in range(total - 1)] + [_outcome(0, HOSTILE)])
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    (site / downloads.FOLDER).mkdir()
    shutil.copy(Path(explorer.__file__).parent / "static" / "evidence-explorer.js", site / "book")
    for name, content in explorer.site_files(outcomes).items():
        (site / downloads.FOLDER / name).write_bytes(content)
    table = explorer.explorer_table(outcomes, caption="Every outcome").bundle["text/html"]
    assert "Zz 2020" not in table
    page_file = site / "book" / "explorer.html"
    page_file.write_text(
        f'<!DOCTYPE html><html><head><script src="evidence-explorer.js"></script></head><body>{table}</body></html>',
        encoding="utf-8",
    )
    visit = open_page(browser, page_file.as_uri(), allowed_prefix=site.as_uri())
    page = visit.page
    page.wait_for_selector(".hepmet-explorer-controls select")
    assert visit.outside == [] and visit.console_errors == []
    assert _row_count(page) == total
    assert page.text_content(".hepmet-explorer-count") == f"{total} of {total} outcomes shown"
    assert page.is_hidden(".hepmet-explorer-more")  # it speaks to readers without JavaScript
    page.fill(".hepmet-explorer-search", "zz 2020")
    assert [r["study"] for r in _visible(page)] == [HOSTILE]
    assert page.evaluate("typeof window.__injected") == "undefined"
    assert page.locator(".hepmet-explorer-table img").count() == 0
    page.context.close()
