"""Nothing lost, no partial site: a build that fails leaves the published site as it was, and no
build ever writes into data/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import copy_project, run_hepmet

FAILING_CELL = """
```{code-cell} ipython3
raise RuntimeError("a chapter cell that fails on purpose")
```
"""


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: its digest and modification time (a rewrite changes either)."""
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A copy of the project with its site built once; its data/ must come out unchanged."""
    root = copy_project(tmp_path_factory.mktemp("nothing-lost") / "book")
    data_before = snapshot(root / "data")
    result = run_hepmet(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert snapshot(root / "data") == data_before, "a successful build wrote into data/"
    return root


def test_bad_data_stops_the_build_and_keeps_the_site(published):
    site = snapshot(published / "_build" / "html")
    tumours = published / "data" / "tumours.yaml"
    good = tumours.read_text(encoding="utf-8")
    try:
        tumours.write_text(good + "- code: [unclosed\n", encoding="utf-8")
        data_before = snapshot(published / "data")
        result = run_hepmet(published, "build")
        assert result.returncode != 0
        assert "tumours.yaml" in result.stderr and "Traceback" not in result.stderr
        assert snapshot(published / "_build" / "html") == site
        assert snapshot(published / "data") == data_before
    finally:
        tumours.write_text(good, encoding="utf-8")


def test_a_failing_cell_keeps_the_previous_site_whole(published):
    site = snapshot(published / "_build" / "html")
    data_before = snapshot(published / "data")
    chapter = published / "book" / "introduction.md"
    good = chapter.read_text(encoding="utf-8")
    try:
        chapter.write_text(good + FAILING_CELL, encoding="utf-8")
        failed = run_hepmet(published, "build")
        assert failed.returncode != 0
        assert "was left as it was" in failed.stderr
        assert snapshot(published / "_build" / "html") == site, "a failed build changed the published site"
        assert snapshot(published / "data") == data_before

        # The failure is not forgotten: building again without a change fails again.
        again = run_hepmet(published, "build")
        assert again.returncode != 0, "a second, unchanged build passed over the failing cell"
        assert snapshot(published / "_build" / "html") == site
    finally:
        chapter.write_text(good, encoding="utf-8")

    fixed = run_hepmet(published, "build")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "a chapter cell that fails on purpose" not in (
        published / "_build" / "html" / "book" / "introduction.html"
    ).read_text(encoding="utf-8")
