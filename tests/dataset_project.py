"""A small project for dataset tests: the project's tumours and references, plus the fixture
studies of tests/fixtures/studies (real studies, as reported by the source review) and the first
round of the screening log, cut down to the records of those studies."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from figures.schemas import appraisal_tools

REPO = Path(__file__).resolve().parents[1]
FIXTURE_STUDIES = REPO / "tests" / "fixtures" / "studies"


def make_project(target: Path) -> Path:
    """A project root at ``target`` (``_config.yml``, ``data/``, ``src`` linked to this checkout)."""
    data = target / "data"
    data.mkdir(parents=True)
    (target / "_config.yml").write_text("title: dataset test\n", encoding="utf-8")
    (target / "src").symlink_to(REPO / "src", target_is_directory=True)
    shutil.copy(REPO / "data" / "tumours.yaml", data / "tumours.yaml")
    shutil.copytree(REPO / "data" / "references", data / "references")
    shutil.copytree(FIXTURE_STUDIES, data / "studies")
    first = yaml.safe_load((REPO / "data" / "screening" / "round-1.yaml").read_text(encoding="utf-8"))
    first["records"] = [r for r in first["records"] if (FIXTURE_STUDIES / f"{r['study']}.yaml").is_file()]
    (data / "screening").mkdir()
    (data / "screening" / "round-1.yaml").write_text(
        yaml.safe_dump(first, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    return target


def fill_reference_stub(path: Path, author: str, title: str, year: str, journal: str = "Test Journal") -> None:
    """Fill the empty author, title, journal and year of a BibTeX stub written by ``hepmet new-study``."""
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("author       = {}", f"author       = {{{author}}}")
        .replace("title        = {}", f"title        = {{{title}}}")
        .replace("journal      = {}", f"journal      = {{{journal}}}")
        .replace("year         = {}", f"year         = {{{year}}}"),
        encoding="utf-8",
    )


def unclear_appraisal(tool: str) -> dict:
    """A complete appraisal with ``tool`` whose every item is judged unclear (as a contributor
    who read only a summary would write it)."""
    items = [
        {"id": item["id"], "judgement": "unclear", "reason": "not reported in what was read"}
        for item in appraisal_tools()[tool]["items"]
    ]
    return {
        "tool": tool,
        "basis": "abstract",
        "items": items,
        "overall": "unclear",
        "reason": "only a summary was read",
    }
