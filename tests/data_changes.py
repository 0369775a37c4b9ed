"""The data changes that the tests of incremental builds apply to one copy of the project.

``conftest.data_changes`` takes one copy through them, building after each step, so that the tests
of re-execution, of a data change reaching the pages, of a contributor's new study, of reproducible
bytes and of stale pages share one clean build and four incremental builds (they used to build
five copies from scratch; docs/BENCHMARK.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from conftest import SKIP_DIRS
from dataset_project import fill_reference_stub, unclear_appraisal

# The contributor's new Wilms tumor study (tests/test_dataset_contributor.py).
CONTRIBUTOR_KEY = "example2026contributor"
CONTRIBUTOR_LABEL = "Example 2026 (fictional, added by the tests)"


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer holds {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def correct_one_wilms_study(root: Path) -> None:
    """Varan 2005 (Wilms tumor): one estimate corrected, 16.6 to 17.6."""
    _replace_once(root / "data" / "studies" / "varan2005prognostic.yaml", "estimate: 16.6", "estimate: 17.6")


def change_a_study_and_a_tumour(root: Path) -> None:
    """Ehrlich 2009's liver-only EFS 76 to 79, and the Wilms tumor row of Table 1 from 20 to 25%."""
    _replace_once(root / "data" / "studies" / "ehrlich2009hepatic.yaml", "    estimate: 76\n", "    estimate: 79\n")
    old = "hepatic_metastatic_disease: {low: 20, high: 30, adult_series: false}"
    _replace_once(root / "data" / "tumours.yaml", old, old.replace("low: 20", "low: 25"))


def fill_contributor_study(root: Path) -> None:
    """What a contributor types into the two files ``hepmet new-study`` scaffolded."""
    study = root / "data" / "studies" / f"{CONTRIBUTOR_KEY}.yaml"
    record = yaml.safe_load(study.read_text(encoding="utf-8"))
    record.update(
        label=CONTRIBUTOR_LABEL,
        design="registry",
        n_patients=12,
        n_liver_metastases=12,
        timing="synchronous",
        interventions=["resection"],
    )
    record["setting"]["centres"] = "registry"
    record["population"].update(tumour="wt", age_group="pediatric", subgroup="stage 4, liver metastases")
    record["source"] = {"document": "test", "section": "Results"}
    record["outcomes"] = [
        {
            "id": "os-liver",
            "measure": "OS",
            "kind": "survival",
            "timepoint_months": 60,
            "group": "all",
            "n": 12,
            "estimate": 75,
            "unit": "percent",
            "ci": None,
            "events": None,
            "denominator": 12,
            "comparison": None,
            "source": {"document": "test", "section": "Results"},
        }
    ]
    record["appraisal"] = unclear_appraisal("jbi-case-series")
    study.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reference = root / "data" / "references" / f"{CONTRIBUTOR_KEY}.bib"
    fill_reference_stub(reference, "Example, Ada", "A fictional study that exercises the contributor workflow", "2026")


def restore_data(root: Path, original: Path) -> None:
    """Put ``original``'s data/ back in ``root`` (files changed, added or removed since)."""
    shutil.rmtree(root / "data")
    shutil.copytree(original / "data", root / "data")


def snapshot_project(root: Path, target: Path) -> Path:
    """A copy of ``root``'s sources, data and published site, to read after ``root`` moves on."""
    shutil.copytree(root, target, ignore=lambda _d, names: [n for n in names if n in SKIP_DIRS])
    shutil.copytree(root / "_build" / "html", target / "_build" / "html")
    return target
