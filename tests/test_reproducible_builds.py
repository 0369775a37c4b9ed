"""Reproducible builds: two clean builds from different folders give the same bytes.

The HTML site is compared here. The PDF is compared by
``test_editions.py::test_rebuilding_an_old_edition_gives_the_same_pdf_bytes``: an edition's PDF is
built twice from nothing, in two clones, by the same ``hepmet build --pdf --all`` with the same
``SOURCE_DATE_EPOCH``; a third PDF build here checked nothing more and cost a minute of the suite.
"""

from __future__ import annotations

import filecmp


def test_two_clean_builds_give_identical_html(built_site, data_changes):
    a, b = built_site / "_build" / "html", data_changes.first_site
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    differing = [str(n) for n in names if not filecmp.cmp(a / n, b / n, shallow=False)]
    assert differing == []
