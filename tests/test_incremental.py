"""No stale page: a site built incrementally after studies are added reads exactly like a clean
build of the same data (issue 11's strict check)."""

from __future__ import annotations

import re

import pytest

from conftest import run_hepmet
from site_text import stale_pages, visible_text
from synthesis_site import built_fixture_site, use_fixture_data


@pytest.fixture(scope="module")
def incremental_site(second_clean_build):
    """The project built clean (the suite's second clean build), then given the synthesis
    fixtures' studies and references and rebuilt incrementally (``hepmet build`` without ``--all``)."""
    root = second_clean_build.root
    use_fixture_data(root / "data")
    again = run_hepmet(root, "build")
    assert again.returncode == 0, again.stdout + again.stderr
    return root


def test_adding_studies_leaves_no_stale_page(incremental_site, tmp_path_factory):
    clean = built_fixture_site(tmp_path_factory)  # a clean build of the same data
    stale = stale_pages(incremental_site / "_build" / "html", clean / "_build" / "html")
    assert stale == [], "pages differ from a clean build of the same data:\n" + "\n".join(stale)


def test_the_references_page_lists_the_added_references(incremental_site):
    # Each fixture title protects a phrase naming it ("{Fixture A 2001}"): that phrase must be on
    # the References page of the incremental build (it was missing before the page depended on
    # data/references/).
    references = incremental_site / "data" / "references"
    phrases = [re.search(r"\{(Fixture [A-Z] \d{4})\}", p.read_text(encoding="utf-8")).group(1) for p in sorted(references.glob("fixture*.bib"))]
    assert phrases, "the synthesis fixtures add no reference"
    page = visible_text(incremental_site / "_build" / "html" / "book" / "references.html")
    assert [p for p in phrases if p not in page] == []
