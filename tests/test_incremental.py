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


def test_citation_links_of_pages_not_rewritten_reach_their_reference(data_changes):
    # Sphinx rewrites only the pages it read again: a page left as it was must still link each
    # citation to its own entry of the References page after references were added. The entries'
    # anchors are named by key (bibtex_cite_id), not numbered in list order, and each link's
    # anchor must exist.
    site = data_changes.root / "_build" / "html"
    references = BeautifulSoup((site / "book" / "references.html").read_text(encoding="utf-8"), "html.parser")
    entries = [element["id"] for element in references.select("div.citation[id]")]
    assert entries and all(re.fullmatch(r"cite-[a-z0-9]+", anchor) for anchor in entries)
    anchors = {element["id"] for element in references.find_all(id=True)}
    broken = []
    for page in sorted(site.rglob("*.html")):
        for link in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("a", href=True):
            target, _, anchor = link["href"].partition("#")
            if target.endswith("references.html") and anchor and anchor not in anchors:
                broken.append(f"{page.relative_to(site)}: {link['href']}")
    assert broken == []
