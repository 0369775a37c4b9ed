"""Reproducible builds: two clean builds from different folders give the same bytes, the HTML site
and the PDF (with the same SOURCE_DATE_EPOCH)."""

from __future__ import annotations

import filecmp

from conftest import PDF_ENV, copy_project, run_hepmet


def test_two_clean_builds_give_identical_html(built_site, data_changes):
    a, b = built_site / "_build" / "html", data_changes.first_site
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    differing = [str(n) for n in names if not filecmp.cmp(a / n, b / n, shallow=False)]
    assert differing == []


def test_two_clean_pdf_builds_give_identical_bytes(built_pdf, tmp_path):
    other = copy_project(tmp_path / "another" / "folder")
    result = run_hepmet(other, "build", "--pdf", "--all", env=PDF_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    again = other / "_build" / "latex" / built_pdf.name
    assert again.read_bytes() == built_pdf.read_bytes(), "the PDF differs between two clean builds"
