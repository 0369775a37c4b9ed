"""Real browser gate: headless Chromium opens every built page with the network closed."""

from __future__ import annotations

from browser import chromium, open_page, serve, site_pages, wait_for_charts

SEARCH_WORD = "Neuroblastoma"  # a chapter title: the search must find its page
# Whether the page shows the theme's icons: some on screen, each drawn at the size of its text.
ICONS_DRAWN = """() => {
    const shown = [...document.querySelectorAll('svg.svg-inline--fa')].filter(i => i.checkVisibility());
    return shown.length > 0 && shown.every(i => i.getBoundingClientRect().height >= 8);
}"""


def test_every_page_loads_offline_without_errors_and_draws_its_charts(built_site):
    site = built_site / "_build" / "html"
    pages = site_pages(site)
    assert "index.html" in pages and "search.html" in pages
    problems = []
    charts_drawn = 0
    with serve(site) as base, chromium() as browser:
        for name in pages:
            visit = open_page(browser, f"{base}/{name}", allowed_prefix=base)
            wait_for_charts(visit.page)
            errors = visit.page.locator(".hepmet-chart-error").all_inner_texts()
            empty = visit.page.locator(".hepmet-chart:not(:has(svg .role-mark))").count()
            charts_drawn += visit.page.locator(".hepmet-chart svg").count()
            for label, found in (
                ("requests leaving the site", visit.outside),
                ("failed requests", visit.failed),
                ("console errors", visit.console_errors),
                ("charts that could not be drawn", errors),
            ):
                if found:
                    problems.append(f"{name}: {label}: {found}")
            if empty:
                problems.append(f"{name}: {empty} chart(s) drawn without any mark")
            # The theme's icons are inline SVG (figures.page_weight): the ones on screen are drawn.
            if not visit.page.evaluate(ICONS_DRAWN):
                problems.append(f"{name}: no icon of the theme is drawn")
            visit.page.context.close()
    assert problems == [], "\n".join(problems)
    assert charts_drawn > 0, "no page of the site drew a chart"


def test_the_search_page_finds_a_chapter_by_a_known_word(built_site):
    site = built_site / "_build" / "html"
    with serve(site) as base, chromium() as browser:
        visit = open_page(browser, f"{base}/search.html?q={SEARCH_WORD}", allowed_prefix=base)
        results = visit.page.locator("#search-results ul.search li a")
        results.first.wait_for(timeout=20000)
        targets = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any("book/neuroblastoma.html" in (t or "") for t in targets), targets
        assert visit.outside == [] and visit.failed == [] and visit.console_errors == []
        visit.page.context.close()
