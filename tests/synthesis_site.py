"""A copy of the project whose dataset is the synthesis fixtures, built once per test session.

The fixture studies (tests/fixtures/synthesis/data) are fictional; they give the forest plots a
pooled set and unpooled ones, the PRISMA diagram a screening round, the explorer rows to filter
and the downloads content to re-read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import copy_project, run_hepmet

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "synthesis" / "data"


def use_fixture_data(root: Path) -> None:
    """Replace the copy's studies and screening rounds with the fixtures (references are added)."""
    data = root / "data"
    shutil.rmtree(data / "studies", ignore_errors=True)
    shutil.copytree(FIXTURE_DATA / "studies", data / "studies")
    for bib in (FIXTURE_DATA / "references").glob("*.bib"):
        shutil.copy(bib, data / "references" / bib.name)
    shutil.copy(FIXTURE_DATA / "screening.yaml", data / "screening.yaml")


_built: dict[str, Path] = {}


def built_fixture_site(tmp_path_factory) -> Path:
    """Build (once per test session) the HTML site of a project copy that uses the fixture dataset."""
    if "html" not in _built:
        root = copy_project(tmp_path_factory.mktemp("synthesis-site") / "book")
        use_fixture_data(root)
        result = run_hepmet(root, "build", "--all")
        assert result.returncode == 0, result.stdout + result.stderr
        _built["html"] = root
    return _built["html"]
