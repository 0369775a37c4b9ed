"""Accessibility gate: axe-core in Chromium on every page, text alternatives for every chart, and
colour legends that readers with a colour-vision deficiency can tell apart."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from browser import chromium, open_page, serve, site_pages, wait_for_charts

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
# CIEDE2000 difference below which two colours pass for one under a simulated deficiency (Machado
# 2009, as coloraide simulates it): any two Okabe-Ito colours stay at least 7.9 apart, while Vega's
# default category palette falls to 1.1 (red and green for deuteranopes).
MIN_DELTA_E = 7.5
DEFICIENCIES = ("protan", "deutan", "tritan")

LEGEND_COLOURS = """() => [...document.querySelectorAll('.hepmet-chart')].map(chart => ({
    id: chart.id,
    colours: [...new Set([...chart.querySelectorAll('.role-legend-symbol path')].map(symbol => {
        const style = getComputedStyle(symbol);
        return style.fill !== 'none' ? style.fill : style.stroke;
    }).filter(c => c && c !== 'none'))],
}))"""


def axe_script() -> Path:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail("node_modules/axe-core is missing: .ci/run must run `npm ci`")
        pytest.skip("axe-core is not installed: run `npm ci`")
    return AXE


def confusable(colours: list[str]) -> list[str]:
    """Pairs of ``colours`` that one of the common colour-vision deficiencies makes look alike."""
    from coloraide import Color

    found = []
    for a, b in itertools.combinations(colours, 2):
        for deficiency in DEFICIENCIES:
            difference = Color(a).filter(deficiency).delta_e(Color(b).filter(deficiency), method="2000")
            if difference < MIN_DELTA_E:
                found.append(f"{a} and {b} ({deficiency}, difference {difference:.1f})")
    return found


def test_the_palette_check_rejects_red_and_green():
    assert confusable(["#e45756", "#54a24b"])  # Vega's default red and green: alike for deuteranopes
    okabe_ito = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
    assert confusable(okabe_ito) == []


# The theme's script makes every scrollable code block or table reachable by keyboard (tabindex 0)
# once the page has loaded, and again after each change of layout (debounced by 300 ms).
SCROLLABLE_REGIONS_READY = """() => [...document.querySelectorAll('pre, .pst-scrollable-table-container')].every(
    e => !(e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight) || e.tabIndex === 0)"""


def wait_for_scrollable_regions(page, timeout_ms: int = 15000) -> None:
    """Give the theme's script time to mark the scrollable regions; axe reports any it missed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(SCROLLABLE_REGIONS_READY, timeout=timeout_ms)
    except PlaywrightTimeout:
        pass


def test_every_page_passes_axe_and_every_chart_is_accessible(built_site):
    axe = axe_script()
    site = built_site / "_build" / "html"
    problems = []
    charts = 0
    with serve(site) as base, chromium() as browser:
        for name in site_pages(site):
            visit = open_page(browser, f"{base}/{name}", allowed_prefix=base)
            page = visit.page
            wait_for_charts(page)
            wait_for_scrollable_regions(page)
            page.add_script_tag(path=str(axe))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            for violation in result["violations"]:
                if violation["impact"] in BLOCKING_IMPACTS:
                    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
                    problems.append(
                        f"{name}: {violation['impact']} {violation['id']}: {violation['help']} at {targets}"
                    )

            for chart in page.locator(".hepmet-chart").all():
                charts += 1
                label = (chart.get_attribute("aria-label") or "").strip()
                if chart.get_attribute("role") != "img" or len(label) < 20:
                    problems.append(f"{name}: chart {chart.get_attribute('id')} lacks a text alternative")
            for chart in page.evaluate(LEGEND_COLOURS):
                for pair in confusable(chart["colours"]):
                    problems.append(f"{name}: chart {chart['id']}: legend colours {pair}")
            page.context.close()
    assert problems == [], "\n".join(problems)
    assert charts > 0, "no chart found on any page"
