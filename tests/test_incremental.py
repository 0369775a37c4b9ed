"""Incremental builds: a page is re-executed exactly when the data it uses changes, and a site built
incrementally after studies are changed, added and removed reads exactly like a clean build of the
same data (issue 11's strict no-stale-page check). The builds are conftest.data_changes' series."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from site_text import stale_pages, visible_text
from synthesis_site import built_fixture_site


def test_a_data_change_re_executes_only_the_pages_that_use_it(data_changes):
    executed = data_changes.executed
    assert "book/wilms-tumor" in executed["clean"]
    assert executed["unchanged"] == []
    # One Wilms tumor study corrected: the Wilms chapter and the pages over all studies re-run,
    # the chapters of other tumours do not.
    assert {"book/wilms-tumor", "book/evidence-tables"} <= set(executed["one study corrected"])
    assert not {"book/neuroblastoma", "book/introduction", "book/other-malignancies/gist"} & set(
        executed["one study corrected"]
    )
    page = data_changes.changed / "_build" / "html" / "book" / "wilms-tumor.html"
    text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text()
    assert "17.6%" in text and "16.6%" not in text


def test_changing_adding_and_removing_studies_leaves_no_stale_page(data_changes, tmp_path_factory):
    clean = built_fixture_site(tmp_path_factory)  # a clean build of the same data
    stale = stale_pages(data_changes.root / "_build" / "html", clean / "_build" / "html")
    assert stale == [], "pages differ from a clean build of the same data:\n" + "\n".join(stale)


def test_the_references_page_lists_the_added_references(data_changes):
    # Each fixture title protects a phrase naming it ("{Fixture A 2001}"): that phrase must be on
    # the References page of the incremental build (it was missing before the page depended on
    # data/references/).
    references = data_changes.root / "data" / "references"
    phrases = [
        re.search(r"\{(Fixture [A-Z] \d{4})\}", p.read_text(encoding="utf-8")).group(1)
        for p in sorted(references.glob("fixture*.bib"))
    ]
    assert phrases, "the synthesis fixtures add no reference"
    page = visible_text(data_changes.root / "_build" / "html" / "book" / "references.html")
    assert [p for p in phrases if p not in page] == []
