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

from figures import deps, paths, references, schemas, screening_log, validate, yaml_lines


class DatasetError(Exception):
    """The dataset has problems; the message lists every one as ``file:line: field: message``."""

    def __init__(self, data_dir: Path, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in {data_dir}:\n" + "\n".join(problems))
        self.problems = problems


def _read_yaml(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=yaml_lines.PLAIN_LOADER)


@functools.lru_cache(maxsize=4)
def load_dataset(data_dir: Path) -> dict:
    """Read and validate ``data_dir`` once per process; raises :class:`DatasetError` when invalid."""
    checked = validate.load_checked(data_dir)
    if checked.problems:
        raise DatasetError(data_dir, checked.problems)
    return {
        "studies": [{**doc.data, "_file": Path(doc.name).name} for doc in checked.studies],
        "tumours": checked.tumours.data,
        "facts": {topic: doc.data or [] for topic, doc in checked.facts.items()},
        "screening": [doc.data for doc in checked.screening],
        "grade": [doc.data for _stem, doc in sorted(checked.grade.items())],
        "pools": (checked.pools.data or []) if checked.pools is not None else [],
        "management": checked.management.data if checked.management is not None else [],
    }


def _data() -> dict:
    return load_dataset(paths.data_dir())


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


@functools.lru_cache(maxsize=None)
def _study_tumour(path: Path, mtime_ns: int, size: int) -> object:
    """The tumour code a study file names, read once per version of the file (its time and size
    are part of the key): a build asks for every tumour's part, each over every study file."""
    return ((_read_yaml(path) or {}).get("population") or {}).get("tumour")


def part_digest(data_dir: Path, part: str) -> str:
    """A digest of the files behind one recorded part (``studies:wt``, ``tumours``, ``facts:nb``...)."""
    kind, _, arg = part.partition(":")
    if kind == "studies":
        files = sorted((data_dir / "studies").glob("*.yaml"))
        if arg:
            files = [f for f in files if _study_tumour(f, f.stat().st_mtime_ns, f.stat().st_size) == arg]
        return _digest(files, data_dir)
    if kind == "facts":
        return _digest([f for f in [data_dir / "facts" / f"{arg}.yaml"] if f.exists()], data_dir)
    if kind in {"tumours", "pools", "management"}:
        return _digest([f for f in [data_dir / f"{kind}.yaml"] if f.exists()], data_dir)
    if kind == "screening":
        return _digest(sorted(screening_log.log_dir(data_dir).glob("*.yaml")), data_dir)
    if kind == "grade":
        return _digest(sorted((data_dir / "grade").glob("*.yaml")), data_dir)
    if kind == "references":
        return _digest(sorted((data_dir / "references").glob("*.bib")), data_dir)
    # An unknown part depends on everything: never stale, at worst re-executed.
    return fingerprint(data_dir)


def fingerprint(data_dir: Path) -> str:
    """SHA-256 of every file under ``data_dir`` (paths and bytes): the identity of a dataset."""
    return _digest([p for p in data_dir.rglob("*") if p.is_file()], data_dir)


def last_search(data_dir: Path) -> str | None:
    """ISO date of the latest search round of the screening log; None when none is recorded."""
    return screening_log.last_search_date(data_dir)


def study_records(data_dir: Path) -> dict[str, dict]:
    """The study files of any dataset folder (a past edition's too), by citation, as written.

    Not validated: a past edition is compared as it was published, even if today's rules differ.
    """
    records = {}
    for path in sorted((data_dir / "studies").glob("*.yaml")):
        record = _read_yaml(path) or {}
        records[str(record.get("citation") or path.stem)] = record
    return records


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
    deps.record("screening")
    return _data()["screening"]


def grade_questions() -> list[dict]:
    """The GRADE rows of ``data/grade/*.yaml`` (one clinical question and outcome each), by id."""
    deps.record("grade")
    return _data()["grade"]


def pools() -> list[dict]:
    """The pools an editor declared in ``data/pools.yaml`` (empty when none is declared)."""
    deps.record("pools")
    return _data()["pools"]


def management() -> list[dict]:
    """How liver metastases are managed, one item per tumour (``data/management.yaml``)."""
    deps.record("management")
    return _data()["management"]


OUTCOME_COLUMNS = [
    "citation", "label", "design", "tumour", "subgroup", "age_group", "age_median", "age_min",
    "age_max", "n_patients", "n_liver_metastases", "timing", "interventions", "agents",
    "recruitment_start", "recruitment_end", "outcome_id", "measure", "kind", "timepoint_months",
    "group", "n", "estimate", "unit", "ci_low", "ci_high", "ci_level", "ci_scale", "events",
    "denominator", "comparison", "comparison_description", "p_value", "p_relation",
]


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
    return references.read_entries(paths.data_dir() / "references")


APPRAISAL_COLUMNS = [
    "citation", "label", "tumour", "design", "tool", "basis", "item", "domain", "judgement", "reason",
    "overall", "overall_reason",
]


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
            rows.append({
                "citation": record["citation"], "label": record["label"], "tumour": record["population"]["tumour"],
                "design": record["design"], "tool": appraisal["tool"], "basis": appraisal["basis"],
                "item": item["id"], "domain": labels[item["id"]], "judgement": item["judgement"],
                "reason": item["reason"], "overall": appraisal["overall"], "overall_reason": appraisal["reason"],
            })
    return pd.DataFrame(rows, columns=APPRAISAL_COLUMNS)
