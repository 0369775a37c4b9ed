"""Load the dataset under ``data/`` once per process, validated, as pandas frames.

This is the only module that opens files under ``data/``. Chapters ask for the part they need
(``studies("wt")``, ``tumours()``, ``facts("nb")``); each request is recorded (``figures.deps``) so
that the build re-executes a page only when the data it used changed.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import pandas as pd
import yaml
from pybtex.database import BibliographyData, parse_file

from figures import deps, paths


def _read_yaml(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.lru_cache(maxsize=4)
def _load(data_dir: Path) -> dict:
    return {
        "studies": [
            {**_read_yaml(p), "_file": p.name} for p in sorted((data_dir / "studies").glob("*.yaml"))
        ],
        "tumours": _read_yaml(data_dir / "tumours.yaml"),
        "facts": {p.stem: _read_yaml(p) or [] for p in sorted((data_dir / "facts").glob("*.yaml"))},
        "screening": (_read_yaml(data_dir / "screening.yaml") or []) if (data_dir / "screening.yaml").exists() else [],
    }


def _data() -> dict:
    return _load(paths.data_dir())


def tumours() -> pd.DataFrame:
    """Table 1 of the source review: one row per tumour with its ranges and treatment options."""
    deps.record("tumours")
    rows = []
    for t in _data()["tumours"]:
        rows.append(
            {
                "code": t["code"],
                "name": t["name"],
                "abbreviation": t["abbreviation"],
                "metastatic_low": t["metastatic_at_diagnosis"]["low"],
                "metastatic_high": t["metastatic_at_diagnosis"]["high"],
                "metastatic_adult": t["metastatic_at_diagnosis"]["adult_series"],
                "hepatic_low": t["hepatic_metastatic_disease"]["low"],
                "hepatic_high": t["hepatic_metastatic_disease"]["high"],
                "hepatic_adult": t["hepatic_metastatic_disease"]["adult_series"],
                "treatment_options": list(t["treatment_options"]),
                "citation": t["citation"],
            }
        )
    return pd.DataFrame(rows)


def studies(tumour: str | None = None) -> list[dict]:
    """The study records, all or those of one tumour code."""
    deps.record(f"studies:{tumour}" if tumour else "studies")
    records = _data()["studies"]
    return [s for s in records if tumour is None or s["population"]["tumour"] == tumour]


# --- digests: which parts of data/ changed since the last build -------------------------------


def _digest(files: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def part_digest(data_dir: Path, part: str) -> str:
    """A digest of the files behind one recorded part (``studies:wt``, ``tumours``, ``facts:nb``...)."""
    kind, _, arg = part.partition(":")
    if kind == "studies":
        files = sorted((data_dir / "studies").glob("*.yaml"))
        if arg:
            files = [f for f in files if ((_read_yaml(f) or {}).get("population") or {}).get("tumour") == arg]
        return _digest(files, data_dir)
    if kind == "facts":
        return _digest([f for f in [data_dir / "facts" / f"{arg}.yaml"] if f.exists()], data_dir)
    if kind in {"tumours", "screening"}:
        return _digest([f for f in [data_dir / f"{kind}.yaml"] if f.exists()], data_dir)
    if kind == "references":
        return _digest(sorted((data_dir / "references").glob("*.bib")), data_dir)
    # An unknown part depends on everything: never stale, at worst re-executed.
    return _digest([p for p in data_dir.rglob("*") if p.is_file()], data_dir)


def study(citation: str) -> dict:
    """One study record by citation key."""
    for record in _data()["studies"]:
        if record["citation"] == citation:
            deps.record(f"studies:{record['population']['tumour']}")
            return record
    raise KeyError(f"no study {citation!r} in data/studies/")


def facts(topic: str) -> list[dict]:
    """The background figures of ``data/facts/<topic>.yaml``."""
    deps.record(f"facts:{topic}")
    try:
        return _data()["facts"][topic]
    except KeyError:
        raise KeyError(f"no data/facts/{topic}.yaml") from None


# --- flat views for the evidence synthesis (figures.forest, figures.explorer, figures.downloads) ---

OUTCOME_COLUMNS = [
    "citation", "label", "design", "tumour", "age_group", "subgroup", "n_patients",
    "n_liver_metastases", "timing", "interventions", "outcome_id", "measure", "timepoint_months",
    "group", "estimate", "unit", "ci_low", "ci_high", "ci_level", "ci_scale", "events",
    "denominator", "comparison",
]


def outcomes(tumour: str | None = None) -> pd.DataFrame:
    """One row per reported outcome, with its study's fields (all tumours, or one tumour code)."""
    rows = []
    for record in studies(tumour):
        population = record.get("population") or {}
        for outcome in record.get("outcomes") or []:
            ci = outcome.get("ci") or {}
            rows.append(
                {
                    "citation": record["citation"],
                    "label": record.get("label"),
                    "design": record.get("design"),
                    "tumour": population.get("tumour"),
                    "age_group": population.get("age_group"),
                    "subgroup": population.get("subgroup"),
                    "n_patients": record.get("n_patients"),
                    "n_liver_metastases": record.get("n_liver_metastases"),
                    "timing": record.get("timing"),
                    "interventions": list(record.get("interventions") or []),
                    "outcome_id": outcome.get("id"),
                    "measure": outcome.get("measure"),
                    "timepoint_months": outcome.get("timepoint_months"),
                    "group": outcome.get("group"),
                    "estimate": outcome.get("estimate"),
                    "unit": outcome.get("unit"),
                    "ci_low": ci.get("low"),
                    "ci_high": ci.get("high"),
                    "ci_level": ci.get("level"),
                    "ci_scale": ci.get("scale"),
                    "events": outcome.get("events"),
                    "denominator": outcome.get("denominator"),
                    "comparison": outcome.get("comparison"),
                }
            )
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


def screening() -> list[dict]:
    """The search and screening rounds of ``data/screening.yaml`` (empty before the first round)."""
    deps.record("screening")
    return list(_data()["screening"])


def bibliography():
    """Every entry of ``data/references/*.bib`` as one pybtex ``BibliographyData``, sorted by key."""
    deps.record("references")
    merged = BibliographyData()
    for path in sorted((paths.data_dir() / "references").glob("*.bib")):
        for key, entry in parse_file(str(path), bib_format="bibtex").entries.items():
            merged.add_entry(key, entry)
    return merged
