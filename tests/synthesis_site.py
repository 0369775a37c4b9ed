"""A copy of the project with the synthesis fixtures added to its dataset, built once per test session.

The fixture studies (tests/fixtures/synthesis/data) are fictional; they give the synthesis a
declared pool of three comparable studies, the PRISMA diagram a screening round, the explorer rows to filter
and the downloads content to re-read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, copy_project, once_per_run, run_hepmet

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "synthesis" / "data"


FIXTURE_PREFIX = "fixture"


def use_fixture_data(data: Path) -> None:
    """Add the fixture studies (and references) beside the real ones; use the fixture screening rounds
    and the fixture's declared pool.

    The real studies stay, because the content chapters cite them; tests pick the fixture rows by
    their citation prefix.
    """
    for study in (FIXTURE_DATA / "studies").glob("*.yaml"):
        shutil.copy(study, data / "studies" / study.name)
    for bib in (FIXTURE_DATA / "references").glob("*.bib"):
        shutil.copy(bib, data / "references" / bib.name)
    shutil.rmtree(data / "screening")
    shutil.copytree(FIXTURE_DATA / "screening", data / "screening")
    shutil.copy(FIXTURE_DATA / "pools.yaml", data / "pools.yaml")


_built: dict[str, Path] = {}


def fixture_data_dir(tmp_path_factory) -> Path:
    """A copy of the project's data/ with the fixture studies and rounds (once per test session)."""
    if "data" not in _built:
        data = tmp_path_factory.mktemp("synthesis-data") / "data"
        shutil.copytree(REPO / "data", data)
        use_fixture_data(data)
        _built["data"] = data
    return _built["data"]


def built_fixture_site(tmp_path_factory) -> Path:
    """The HTML site of a project copy that uses the fixture dataset (built once per test run)."""

    def build(folder: Path) -> Path:
        root = copy_project(folder / "book")
        use_fixture_data(root / "data")
        result = run_hepmet(root, "build", "--all")
        assert result.returncode == 0, result.stdout + result.stderr
        return root

    return once_per_run(tmp_path_factory, "synthesis-site", build)
