"""The explorable evidence table in headless Chromium, network closed: filters, search, sort."""

from __future__ import annotations

import pytest

from browser import chromium, open_page
from synthesis_site import built_fixture_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def evidence_page(tmp_path_factory):
    root = built_fixture_site(tmp_path_factory)
    site = root / "_build" / "html"
    with chromium() as browser:
        visit = open_page(browser, (site / "book" / "evidence-tables.html").as_uri(), allowed_prefix=site.as_uri())
        visit.page.wait_for_selector(".hepmet-explorer-controls select")
        yield visit
        visit.page.context.close()


def _visible_studies(page) -> list[str]:
    return page.eval_on_selector_all(
        ".hepmet-explorer-table tbody tr:not([hidden])", "rows => rows.map(r => r.cells[0].textContent)"
    )


def _select(page, key: str, value: str) -> None:
    page.select_option(f'.hepmet-explorer-controls select[data-key="{key}"]', value)


def _reset(page) -> None:
    for key in ("tumour", "population", "interventions", "outcome"):
        _select(page, key, "")
    page.fill(".hepmet-explorer-search", "")


def test_the_page_asks_for_nothing_outside_the_site(evidence_page):
    assert evidence_page.outside == []
    assert evidence_page.console_errors == []
    assert len(_visible_studies(evidence_page.page)) == 8


def test_filters_narrow_the_rows(evidence_page):
    page = evidence_page.page
    _reset(page)
    _select(page, "tumour", "Wilms tumor")
    assert sorted(_visible_studies(page)) == ["Fixture A 2001", "Fixture B 2003", "Fixture B 2003", "Fixture C 2005"]
    _select(page, "outcome", "overall survival")
    assert sorted(_visible_studies(page)) == ["Fixture A 2001", "Fixture B 2003", "Fixture C 2005"]
    _select(page, "population", "pediatric and adolescent")
    assert _visible_studies(page) == ["Fixture C 2005"]
    assert page.text_content(".hepmet-explorer-count") == "1 of 8 outcomes shown"
    _reset(page)
    # A study with several treatments matches each of them.
    _select(page, "interventions", "surgery")
    assert sorted(set(_visible_studies(page))) == ["Fixture A 2001", "Fixture B 2003", "Fixture E 2009", "Fixture F 2011"]
    _select(page, "interventions", "imatinib (targeted therapy)")
    assert _visible_studies(page) == ["Fixture F 2011"]


def test_search_and_sort(evidence_page):
    page = evidence_page.page
    _reset(page)
    page.fill(".hepmet-explorer-search", "fixture d")
    assert _visible_studies(page) == ["Fixture D 2007", "Fixture D 2007"]
    page.fill(".hepmet-explorer-search", "")
    page.click('th[data-key="estimate"] button')
    estimates = page.eval_on_selector_all(
        ".hepmet-explorer-table tbody tr", "rows => rows.map(r => parseFloat(r.cells[7].dataset.sort))"
    )
    assert estimates == sorted(estimates)
    page.click('th[data-key="estimate"] button')
    estimates = page.eval_on_selector_all(
        ".hepmet-explorer-table tbody tr", "rows => rows.map(r => parseFloat(r.cells[7].dataset.sort))"
    )
    assert estimates == sorted(estimates, reverse=True)
    assert page.get_attribute('th[data-key="estimate"]', "aria-sort") == "descending"


def test_forest_plots_draw_offline_with_their_marks(tmp_path_factory):
    root = built_fixture_site(tmp_path_factory)
    site = root / "_build" / "html"
    with chromium() as browser:
        visit = open_page(browser, (site / "book" / "synthesis.html").as_uri(), allowed_prefix=site.as_uri())
        page = visit.page
        page.wait_for_selector(".hepmet-chart svg")
        assert visit.outside == [] and visit.console_errors == []
        wilms = page.locator(".hepmet-chart", has_text="Wilms tumor: overall survival")
        # Three study squares and one pooled diamond (an area mark) in the drawn SVG.
        assert wilms.locator("g.mark-symbol path").count() == 3
        assert wilms.locator("g.mark-area path").count() == 1
        page.context.close()
