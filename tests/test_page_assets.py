"""Page weight: a page loads the chart and explorer scripts (and the theme's component and copy-button
assets) only when it shows a chart, the explorer, a component or a code block,
the search index only on the search page, and the theme's icons as inline SVG."""

from __future__ import annotations

import re

from browser import site_pages

# (asset, the markup of a page that needs it, whether some page of the book must need it)
PAGE_SCRIPTS = [
    ("_static/vega/vega.min.js", 'class="hepmet-chart"', True),
    ("_static/vega/vega-tooltip.js", 'class="hepmet-chart"', True),
    ("_static/hepmet.js", 'class="hepmet-chart"', True),
    ("_static/evidence-explorer.js", 'class="hepmet-explorer"', True),
    # Jupyter Book's own: sphinx-design's components (no page uses one today) and the copy button.
    ("_static/sphinx-design.min.css", 'class="sd-', False),
    ("_static/design-tabs.js", 'class="sd-', False),
    ("_static/copybutton.js", 'class="highlight"', True),
    ("_static/clipboard.min.js", 'class="highlight"', True),
]


def test_only_the_pages_that_use_a_script_load_it(built_site):
    site = built_site / "_build" / "html"
    for script, marker, needed_somewhere in PAGE_SCRIPTS:
        users, loaders = set(), set()
        for name in site_pages(site):
            html = (site / name).read_text(encoding="utf-8")
            if marker in html:
                users.add(name)
            if script in html:
                loaders.add(name)
        assert users or not needed_somewhere, f"no page shows {marker!r}: nothing to check"
        assert loaders == users, (
            f"{script}: loaded without use by {sorted(loaders - users)}, missing on {sorted(users - loaders)}"
        )


def test_no_page_loads_font_awesome_and_its_icons_are_inline(built_site):
    # The theme's fontawesome.js (1.45 MiB, every icon) is replaced by the icons each page shows,
    # written in as SVG (figures.page_weight); test_browser_gate checks they are drawn.
    site = built_site / "_build" / "html"
    for name in site_pages(site):
        html = (site / name).read_text(encoding="utf-8")
        assert "fontawesome.js" not in html, f"{name} loads Font Awesome's script"
        assert not re.search(r'<(i|span) class="[^"]*\bfa(s|-solid)\b', html), (
            f"{name} keeps an icon for the script to draw"
        )
        if 'http-equiv="Refresh"' not in html:  # the root index.html only redirects
            assert 'class="svg-inline--fa fa-bars"' in html, f"{name} lacks the navigation's icon"


def test_only_the_search_page_loads_the_search_index(built_site):
    # The index grows with the book; the theme's search box elsewhere opens the search page.
    site = built_site / "_build" / "html"
    loaders = {name for name in site_pages(site) if "searchindex.js" in (site / name).read_text(encoding="utf-8")}
    assert loaders == {"search.html"}
