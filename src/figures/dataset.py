"""The chapters' accessors: the checked dataset (read once per process by
:func:`figures.data_files.load_dataset`), as records and pandas frames.

Chapters ask for the part they need (``studies("wt")``, ``tumours()``, ``facts("nb")``); each request
is recorded (``figures.deps``) so that the build re-executes a page only when the data it used
changed. The build's own readers (digests, fingerprint, past editions) are in
:mod:`figures.data_files`, which also does all the reading for this module.
"""

from __future__ import annotations

import pandas as pd

from figures import data_files, deps, paths, schemas
from figures.data_files import load_dataset


def _data() -> dict:
    return load_dataset(paths.data_dir())


def _part(name: str):
    """One part of the dataset as loaded, its use recorded."""
    deps.record(name)
    return _data()[name]


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


def screening() -> list[dict]:
    """The rounds of the screening log (``data/screening/round-<N>.yaml``), in order."""
    return _part("screening")


def grade_questions() -> list[dict]:
    """The GRADE rows of ``data/grade/*.yaml`` (one clinical question and outcome each), by id."""
    return _part("grade")


def pools() -> list[dict]:
    """The pools an editor declared in ``data/pools.yaml`` (empty when none is declared)."""
    return _part("pools")


def management() -> list[dict]:
    """How liver metastases are managed, one item per tumour (``data/management.yaml``)."""
    return _part("management")


# fmt: off
OUTCOME_COLUMNS = [
    "citation", "label", "design", "tumour", "subgroup", "age_group", "age_median", "age_min",
    "age_max", "n_patients", "n_liver_metastases", "timing", "interventions", "agents",
    "recruitment_start", "recruitment_end", "outcome_id", "measure", "kind", "timepoint_months",
    "group", "n", "estimate", "unit", "ci_low", "ci_high", "ci_level", "ci_scale", "events",
    "denominator", "comparison", "comparison_description", "p_value", "p_relation",
]
# fmt: on


def outcomes(tumour: str | None = None) -> pd.DataFrame:
    """One row per outcome (all, or one tumour code's), joined with its study's fields.

    Unknown values are missing (None/NaN); ``p_value`` is that of the outcome's comparison. ``n``
    is the number of patients the outcome is about (its subgroup's own size; None when not
    reported), never the study's total unless the outcome is about everyone; ``kind`` says what
    kind of number it is (proportion, survival, prevalence, count, case, time, ratio).
    """
    rows = []
    for record in studies(tumour):
        population = record["population"]
        comparisons = {c["id"]: c for c in record.get("comparisons") or []}
        for outcome in record.get("outcomes") or []:
            ci = outcome.get("ci") or {}
            comparison = comparisons.get(outcome.get("comparison"), {})
            rows.append(
                {
                    "citation": record["citation"],
                    "label": record["label"],
                    "design": record["design"],
                    "tumour": population["tumour"],
                    "subgroup": population.get("subgroup"),
                    "age_group": population["age_group"],
                    "age_median": population.get("age_median"),
                    "age_min": population.get("age_min"),
                    "age_max": population.get("age_max"),
                    "n_patients": record["n_patients"],
                    "n_liver_metastases": record["n_liver_metastases"],
                    "timing": record["timing"],
                    "interventions": list(record["interventions"]),
                    "agents": list(record.get("agents") or []),
                    "recruitment_start": record["recruitment"]["start"],
                    "recruitment_end": record["recruitment"]["end"],
                    "outcome_id": outcome["id"],
                    "measure": outcome["measure"],
                    "kind": outcome["kind"],
                    "timepoint_months": outcome.get("timepoint_months"),
                    "group": outcome["group"],
                    "n": outcome["n"],
                    "estimate": outcome["estimate"],
                    "unit": outcome["unit"],
                    "ci_low": ci.get("low"),
                    "ci_high": ci.get("high"),
                    "ci_level": ci.get("level"),
                    "ci_scale": ci.get("scale", "not-reported") if ci else None,
                    "events": outcome.get("events"),
                    "denominator": outcome.get("denominator"),
                    "comparison": outcome.get("comparison"),
                    "comparison_description": comparison.get("description"),
                    "p_value": comparison.get("p_value"),
                    "p_relation": comparison.get("p_relation", "=") if comparison.get("p_value") is not None else None,
                }
            )
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


def bibliography():
    """Every entry of ``data/references/*.bib`` as one pybtex ``BibliographyData``, sorted by key."""
    deps.record("references")
    return data_files.reference_entries(paths.data_dir())


# fmt: off
APPRAISAL_COLUMNS = [
    "citation", "label", "tumour", "design", "tool", "basis", "item", "domain", "judgement", "reason",
    "overall", "overall_reason",
]
# fmt: on


def appraisals(tumour: str | None = None) -> pd.DataFrame:
    """One row per appraisal item of every study (all, or one tumour code's), in the tool's order.

    ``domain`` is the item's short label from ``figures/schema/appraisal_tools.yaml``; ``overall``
    (low | moderate | high | unclear risk of bias) and its reason repeat on each row of a study.
    """
    tools = schemas.appraisal_tools()
    rows = []
    for record in studies(tumour):
        appraisal = record["appraisal"]
        labels = {item["id"]: item["label"] for item in tools[appraisal["tool"]]["items"]}
        for item in appraisal["items"]:
            rows.append(
                {
                    "citation": record["citation"],
                    "label": record["label"],
                    "tumour": record["population"]["tumour"],
                    "design": record["design"],
                    "tool": appraisal["tool"],
                    "basis": appraisal["basis"],
                    "item": item["id"],
                    "domain": labels[item["id"]],
                    "judgement": item["judgement"],
                    "reason": item["reason"],
                    "overall": appraisal["overall"],
                    "overall_reason": appraisal["reason"],
                }
            )
    return pd.DataFrame(rows, columns=APPRAISAL_COLUMNS)
