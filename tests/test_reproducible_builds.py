"""Reproducible PDF: two clean builds from different folders with the same SOURCE_DATE_EPOCH give
the same bytes. (The HTML counterpart is tests/test_foundation.py::test_two_clean_builds_give_identical_html.)"""

from __future__ import annotations

from conftest import PDF_ENV, copy_project, run_hepmet


def test_two_clean_pdf_builds_give_identical_bytes(built_pdf, tmp_path):
    other = copy_project(tmp_path / "another" / "folder")
    result = run_hepmet(other, "build", "--pdf", "--all", env=PDF_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    again = other / "_build" / "latex" / built_pdf.name
    assert again.read_bytes() == built_pdf.read_bytes(), "the PDF differs between two clean builds"
