"""Validate the dataset: every problem as ``file:line: field: message``.

Three layers, all of which report every problem they find (never only the first):

1. YAML syntax, read by :mod:`figures.yaml_lines` so that each value knows the line it was written
   on; symbolic links and files resolving outside ``data/`` are refused without being read.
2. The declared schemas (``figures/schema/*.schema.json``), checked by :mod:`figures.schemas`.
3. Rules of meaning that a schema cannot express: CI bounds around the estimate, an estimate that
   agrees with its events and denominator, an outcome's ``n`` within the study and equal to its
   denominator, a kind of number that fits its unit, years from 1900 to this year, ages and counts
   in order, ids unique, an appraisal with every item of the tool that fits the design, every
   citation key present in ``data/references``, one study per citation key, GRADE rows and declared
   pools that name existing study outcomes (a pool: three or more, each from a different study).

``validate_dataset(data_dir)`` returns the problems; :func:`load_checked` also returns the parsed
documents so that :mod:`figures.dataset` reads every file once.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from figures import references
from figures.schemas import appraisal_tools, schema_problems, tool_for_design, validators
from figures.yaml_lines import Document, FieldPath, Problems, read_yaml, refused
PERCENT = "percent"
FIRST_YEAR = 1900
ESTIMATE_TOLERANCE = 0.5  # percentage points between an estimate and 100 * events / denominator
MIN_POOL = 3
# The units each kind of number can have (a case or a count is never a percentage).
KIND_UNITS = {
    "proportion": {"percent"}, "survival": {"percent"}, "prevalence": {"percent"},
    "count": {"count"}, "case": {"count"}, "time": {"months", "years"}, "ratio": {"ratio"},
}


# --- cross-field rules ------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_order(doc: Document, problems: Problems, base: FieldPath, names: list[str], values: dict, what: str = "") -> None:
    """Report each pair of known values that is out of order (``names`` in increasing order)."""
    known = [(n, values.get(n)) for n in names if _number(values.get(n))]
    for (low_name, low), (high_name, high) in zip(known, known[1:]):
        if low > high:
            problems.add(doc.name, doc.line(base + (low_name,)), base + (low_name,), f"{low:g} is above the {what}{high_name.replace('_', ' ')} {high:g}")


def _check_year(doc: Document, problems: Problems, path: FieldPath, year: Any) -> None:
    if _number(year) and not FIRST_YEAR <= year <= datetime.date.today().year:
        problems.add(doc.name, doc.line(path), path, f"{year} is not a year from {FIRST_YEAR} to this year")


def _check_study(doc: Document, stem: str, problems: Problems) -> None:
    study = doc.data
    if study.get("citation") != stem:
        problems.add(doc.name, doc.line(("citation",)), ("citation",), f"{json.dumps(study.get('citation'))} differs from the file name: the key must equal the file stem '{stem}'")
    population = study.get("population")
    if isinstance(population, dict):
        _in_order(doc, problems, ("population",), ["age_min", "age_median", "age_max"], population)
    n, n_liver = study.get("n_patients"), study.get("n_liver_metastases")
    if _number(n) and _number(n_liver) and n_liver > n:
        problems.add(doc.name, doc.line(("n_liver_metastases",)), ("n_liver_metastases",), f"{n_liver} is above n_patients {n}")
    recruitment = study.get("recruitment")
    if isinstance(recruitment, dict):
        start, end = recruitment.get("start"), recruitment.get("end")
        for key in ("start", "end"):
            _check_year(doc, problems, ("recruitment", key), recruitment.get(key))
        if _number(start) and _number(end) and start > end:
            problems.add(doc.name, doc.line(("recruitment", "start")), ("recruitment", "start"), f"{start} is after the end {end}")
    comparison_ids = _unique_ids(doc, problems, study.get("comparisons"), ("comparisons",))
    _unique_ids(doc, problems, study.get("outcomes"), ("outcomes",))
    recommendations = study.get("recommendations")
    _unique_ids(doc, problems, recommendations, ("recommendations",))
    for index, rule in enumerate(recommendations if isinstance(recommendations, list) else []):
        if isinstance(rule, dict) and isinstance(rule.get("size_mm"), dict):
            _check_ranges(doc, problems, ("recommendations", index, "size_mm"), rule["size_mm"], "min", "max")
    flags = study.get("flags")
    flagged = {f["field"] for f in flags if isinstance(f, dict) and isinstance(f.get("field"), str)} if isinstance(flags, list) else set()
    outcomes = study.get("outcomes")
    for index, outcome in enumerate(outcomes if isinstance(outcomes, list) else []):
        if isinstance(outcome, dict):
            _check_outcome(doc, ("outcomes", index), outcome, comparison_ids, problems)
            _check_outcome_size(doc, ("outcomes", index), outcome, n, flagged, problems)
    if isinstance(study.get("appraisal"), dict):
        _check_appraisal(doc, study["appraisal"], study.get("design"), problems)


def _check_outcome_size(doc: Document, base: FieldPath, outcome: dict, n_patients: Any, flagged: set, problems: Problems) -> None:
    """An outcome's ``n`` is within the study, and equals its denominator unless a flag explains."""
    n, denominator = outcome.get("n"), outcome.get("denominator")
    if _number(n) and _number(n_patients) and n > n_patients:
        problems.add(doc.name, doc.line(base + ("n",)), base + ("n",), f"{n} is above the study's n_patients {n_patients}")
    explained = f"outcomes.{outcome.get('id')}.n" in flagged
    if _number(n) and _number(denominator) and n != denominator and not explained:
        problems.add(doc.name, doc.line(base + ("n",)), base + ("n",), f"{n} differs from the denominator {denominator} (explain it in a flag on field outcomes.{outcome.get('id')}.n)")


def _check_appraisal(doc: Document, appraisal: dict, design: Any, problems: Problems) -> None:
    """The tool fits the design, and lists each of its items once, in the tool's order."""
    tool = appraisal.get("tool")
    expected = tool_for_design(design) if isinstance(design, str) else None
    if expected and tool != expected and isinstance(tool, str):
        problems.add(doc.name, doc.line(("appraisal", "tool")), ("appraisal", "tool"), f"'{tool}' does not fit the design {design}: use {expected}")
    spec = appraisal_tools().get(tool) if isinstance(tool, str) else None
    items = appraisal.get("items")
    if spec is None or not isinstance(items, list):
        return
    wanted = [item["id"] for item in spec["items"]]
    given = [item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else None for item in items]
    missing = [ident for ident in wanted if ident not in given]
    if missing:
        problems.add(doc.name, doc.line(("appraisal", "items")), ("appraisal", "items"), f"missing item(s) {', '.join(missing)} of {tool} ({len(wanted)} items: {wanted[0]}..{wanted[-1]})")
    seen: set = set()
    for index, ident in enumerate(given):
        path = ("appraisal", "items", index, "id")
        if ident is None:
            continue
        if ident not in wanted:
            problems.add(doc.name, doc.line(path), path, f"'{ident}' is not an item of {tool} ({wanted[0]}..{wanted[-1]})")
        elif ident in seen:
            problems.add(doc.name, doc.line(path), path, f"item '{ident}' given twice")
        seen.add(ident)
    if not missing and len(given) == len(wanted) and given != wanted:
        problems.add(doc.name, doc.line(("appraisal", "items")), ("appraisal", "items"), f"items out of order: list them as the tool does ({', '.join(wanted)})")


def _unique_ids(doc: Document, problems: Problems, items: Any, base_path: FieldPath) -> set[str]:
    """The ``id`` fields of the list ``items`` (at ``base_path``), each duplicate reported."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            continue
        base = base_path + (index,)
        if ident in seen:
            problems.add(doc.name, doc.line(base + ("id",)), base + ("id",), f"duplicate id '{ident}' (also item {seen[ident]})")
        else:
            seen[ident] = index
    return set(seen)


def _check_outcome(doc: Document, base: FieldPath, outcome: dict, comparison_ids: set[str], problems: Problems) -> None:
    estimate, unit = outcome.get("estimate"), outcome.get("unit")
    ci = outcome.get("ci") if isinstance(outcome.get("ci"), dict) else {}
    events, denominator = outcome.get("events"), outcome.get("denominator")
    if unit == PERCENT:
        for path, value in [(base + ("estimate",), estimate), (base + ("ci", "low"), ci.get("low")), (base + ("ci", "high"), ci.get("high"))]:
            if _number(value) and not 0 <= value <= 100:
                problems.add(doc.name, doc.line(path), path, f"{value:g} is not a percentage (0-100)")
    low, high = ci.get("low"), ci.get("high")
    if _number(low) and _number(high) and low > high:
        problems.add(doc.name, doc.line(base + ("ci", "low")), base + ("ci", "low"), f"{low:g} is above the upper bound {high:g}")
    elif _number(estimate):
        if _number(low) and low > estimate:
            problems.add(doc.name, doc.line(base + ("ci", "low")), base + ("ci", "low"), f"{low:g} is above the estimate {estimate:g}")
        if _number(high) and high < estimate:
            problems.add(doc.name, doc.line(base + ("ci", "high")), base + ("ci", "high"), f"{high:g} is below the estimate {estimate:g}")
    if _number(events) and _number(denominator) and events > denominator:
        problems.add(doc.name, doc.line(base + ("events",)), base + ("events",), f"{events} is above the denominator {denominator}")
    if estimate is None and "estimate" in outcome and not (_number(events) and _number(denominator)):
        problems.add(doc.name, doc.line(base + ("estimate",)), base + ("estimate",), "null needs events and denominator (a figure the outcome can be computed from)")
    if unit == PERCENT and _number(estimate) and _number(events) and _number(denominator) and 0 < denominator and events <= denominator:
        computed = 100 * events / denominator
        if abs(estimate - computed) > ESTIMATE_TOLERANCE:
            problems.add(doc.name, doc.line(base + ("estimate",)), base + ("estimate",), f"{estimate:g} disagrees with events/denominator {events}/{denominator} = {computed:.1f}%")
    kind = outcome.get("kind") if isinstance(outcome.get("kind"), str) else None
    if kind in KIND_UNITS and isinstance(unit, str) and unit not in KIND_UNITS[kind]:
        problems.add(doc.name, doc.line(base + ("unit",)), base + ("unit",), f"'{unit}' does not fit the kind {kind} (use {' or '.join(sorted(KIND_UNITS[kind]))})")
    if kind in {"count", "case"} and (_number(low) or _number(high)):
        problems.add(doc.name, doc.line(base + ("ci",)), base + ("ci",), f"a {kind} has no confidence interval: write null")
    comparison = outcome.get("comparison")
    if isinstance(comparison, str) and comparison not in comparison_ids:
        known = ", ".join(sorted(comparison_ids)) or "none declared"
        problems.add(doc.name, doc.line(base + ("comparison",)), base + ("comparison",), f"'{comparison}' is not the id of one of the study's comparisons ({known})")


def _check_ranges(doc: Document, problems: Problems, base: FieldPath, item: dict, low_key: str, high_key: str) -> None:
    low, high = item.get(low_key), item.get(high_key)
    if _number(low) and _number(high) and low > high:
        problems.add(doc.name, doc.line(base + (low_key,)), base + (low_key,), f"{low:g} is above {high_key} {high:g}")


def _check_tumours(doc: Document, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for index, tumour in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(tumour, dict):
            continue
        code = tumour.get("code")
        if isinstance(code, str):
            if code in seen:
                problems.add(doc.name, doc.line((index, "code")), (index, "code"), f"duplicate tumour '{code}' (also item {seen[code]})")
            seen.setdefault(code, index)
        for key in ("metastatic_at_diagnosis", "hepatic_metastatic_disease"):
            if isinstance(tumour.get(key), dict):
                _check_ranges(doc, problems, (index, key), tumour[key], "low", "high")


def _check_facts(doc: Document, problems: Problems) -> None:
    _unique_ids(doc, problems, doc.data, ())
    for index, fact in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(fact, dict):
            continue
        _check_ranges(doc, problems, (index,), fact, "low", "high")
        if fact.get("unit") == PERCENT:
            for key in ("low", "high"):
                value = fact.get(key)
                if _number(value) and not 0 <= value <= 100:
                    problems.add(doc.name, doc.line((index, key)), (index, key), f"{value:g} is not a percentage (0-100)")


# The PRISMA funnel: each count can be at most the one before it.
_FUNNEL = [
    ("records_screened", "records_identified"),
    ("records_excluded", "records_screened"),
    ("reports_assessed", "reports_sought"),
    ("reports_not_retrieved", "reports_sought"),
    ("reports_excluded", "reports_assessed"),
    ("studies_included", "reports_assessed"),
]


def _check_screening(doc: Document, problems: Problems) -> None:
    rounds = doc.data if isinstance(doc.data, list) else []
    for index, item in enumerate(rounds):
        if not isinstance(item, dict):
            continue
        if item.get("round") != index + 1 and _number(item.get("round")):
            problems.add(doc.name, doc.line((index, "round")), (index, "round"), f"{item['round']} should be {index + 1}: rounds are numbered 1, 2, 3... in file order")
        for smaller, larger in _FUNNEL:
            if _number(item.get(smaller)) and _number(item.get(larger)) and item[smaller] > item[larger]:
                problems.add(doc.name, doc.line((index, smaller)), (index, smaller), f"{item[smaller]} is above {larger} {item[larger]}")
        sources = item.get("sources") if isinstance(item.get("sources"), list) else []
        counts = [s.get("records") for s in sources if isinstance(s, dict)]
        identified = item.get("records_identified")
        if counts and all(_number(c) for c in counts) and _number(identified) and sum(counts) != identified:
            problems.add(doc.name, doc.line((index, "records_identified")), (index, "records_identified"), f"{identified} differs from the sum of the sources' records {sum(counts)}")


# --- GRADE rows and declared pools: references to study outcomes -------------------------------


def _study_outcomes(studies: list[Document]) -> dict[str, dict[str, dict]]:
    """Outcomes by id, by citation key, of the studies that parsed."""
    result: dict[str, dict[str, dict]] = {}
    for doc in studies:
        outcomes = doc.data.get("outcomes")
        if not isinstance(doc.data.get("citation"), str):
            continue
        result[doc.data["citation"]] = {o["id"]: o for o in outcomes if isinstance(o, dict) and isinstance(o.get("id"), str)} if isinstance(outcomes, list) else {}
    return result


def _check_outcome_reference(doc: Document, path: FieldPath, citation: Any, outcome_id: Any, known: dict, problems: Problems) -> dict | None:
    """The study outcome ``citation``/``outcome_id`` names, or None (reported) when there is none."""
    if not isinstance(citation, str) or not isinstance(outcome_id, str):
        return None
    if citation not in known:
        problems.add(doc.name, doc.line(path + ("citation",)), path + ("citation",), f"'{citation}' is not a study: no data/studies/{citation}.yaml")
        return None
    if outcome_id not in known[citation]:
        ids = ", ".join(sorted(known[citation])) or "none"
        problems.add(doc.name, doc.line(path), path, f"'{outcome_id}' is not an outcome of {citation} (its outcomes: {ids})")
        return None
    return known[citation][outcome_id]


def _check_grade(doc: Document, stem: str, known: dict, problems: Problems) -> None:
    question = doc.data
    if question.get("id") != stem:
        problems.add(doc.name, doc.line(("id",)), ("id",), f"{json.dumps(question.get('id'))} differs from the file name: the id must equal the file stem '{stem}'")
    evidence = question.get("evidence")
    for index, item in enumerate(evidence if isinstance(evidence, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("outcomes"), list):
            continue
        if isinstance(item.get("citation"), str) and item["citation"] not in known:
            problems.add(doc.name, doc.line(("evidence", index, "citation")), ("evidence", index, "citation"), f"'{item['citation']}' is not a study: no data/studies/{item['citation']}.yaml")
            continue
        for position, outcome_id in enumerate(item["outcomes"]):
            _check_outcome_reference(doc, ("evidence", index, "outcomes", position), item.get("citation"), outcome_id, known, problems)


def _check_pools(doc: Document, known: dict, problems: Problems) -> None:
    _unique_ids(doc, problems, doc.data, ())
    for index, pool in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(pool, dict) or not isinstance(pool.get("members"), list):
            continue
        members = pool["members"]
        studies_seen: dict[str, int] = {}
        for position, member in enumerate(members):
            if not isinstance(member, dict):
                continue
            path = (index, "members", position)
            citation = member.get("citation")
            if isinstance(citation, str) and citation in studies_seen:
                problems.add(doc.name, doc.line(path + ("citation",)), path + ("citation",), f"'{citation}' is already member {studies_seen[citation]}: each member must come from a different study")
            elif isinstance(citation, str):
                studies_seen[citation] = position
            outcome = _check_outcome_reference(doc, path + ("outcome",), citation, member.get("outcome"), known, problems)
            if outcome is None:
                continue
            for key in ("measure", "timepoint_months"):
                if key in pool and outcome.get(key) != pool[key]:
                    problems.add(doc.name, doc.line(path + ("outcome",)), path + ("outcome",), f"its {key.replace('_', ' ')} {outcome.get(key)} differs from the pool's {pool[key]}")
        if len(studies_seen) < MIN_POOL:
            problems.add(doc.name, doc.line((index, "members")), (index, "members"), f"{len(studies_seen)} different studies: a pool needs at least {MIN_POOL}")


# --- the dataset ------------------------------------------------------------------------------


@dataclass
class Checked:
    """The parsed files of a dataset (only those that parsed) and every problem found."""

    studies: list[Document]
    tumours: Document | None
    facts: dict[str, Document]
    screening: Document | None
    problems: list[str]
    grade: dict[str, Document] = dataclasses.field(default_factory=dict)
    pools: Document | None = None


def _citations(doc: Document) -> list[tuple[FieldPath, str]]:
    """Every ``citation`` field of a document, with its path."""
    if isinstance(doc.data, dict):
        return [(("citation",), doc.data["citation"])] if isinstance(doc.data.get("citation"), str) else []
    if isinstance(doc.data, list):
        return [((i, "citation"), item["citation"]) for i, item in enumerate(doc.data) if isinstance(item, dict) and isinstance(item.get("citation"), str)]
    return []


def load_checked(data_dir: Path) -> Checked:
    """Read and check every file of ``data_dir``; problems sorted by file and line.

    A citation counts as present when its ``.bib`` file exists: a problem inside that file is
    reported there, not again at every file that cites it.
    """
    data_dir = Path(data_dir)
    root = data_dir.parent
    problems = Problems()
    checkers = validators()
    name = lambda p: str(p.relative_to(root))  # noqa: E731 - the display path, used often below

    if not data_dir.is_dir():
        return Checked([], None, {}, None, [f"{data_dir}:1: (file): the data folder is missing"])

    def schema_checked(path: Path, kind: str) -> Document | None:
        why_not = refused(path, data_dir)
        if why_not:
            problems.add(name(path), 1, "(file)", why_not)
            return None
        doc = read_yaml(path, root, problems)
        if not doc.parsed:
            return None
        if doc.data is None and kind != "facts":
            problems.add(doc.name, 1, "(file)", "the file is empty")
            return None
        schema_problems(doc, checkers[kind], problems)
        return doc

    def data_file(relative: str, kind: str, required: bool = True) -> Document | None:
        path = data_dir / relative
        if not path.is_file() and not path.is_symlink():
            if required:
                problems.add(name(path), 1, "(file)", f"missing: the dataset needs data/{relative}")
            return None
        return schema_checked(path, kind)

    def folder(relative: str, kind: str, not_this: str) -> dict[str, Document]:
        """The YAML files of ``data/<relative>/``, by stem; anything else is reported."""
        documents = {}
        base = data_dir / relative
        for path in sorted(base.glob("*")) if base.is_dir() else []:
            if path.suffix != ".yaml" or not (path.is_file() or path.is_symlink()):
                problems.add(name(path), 1, "(file)", not_this)
                continue
            doc = schema_checked(path, kind)
            if doc is not None:
                documents[path.stem] = doc
        return documents

    tumours = data_file("tumours.yaml", "tumours")
    screening = data_file("screening.yaml", "screening")
    pools = data_file("pools.yaml", "pools", required=False)
    studies = [doc for doc in folder("studies", "study", "not a study file: a study is data/studies/<citation-key>.yaml").values() if isinstance(doc.data, dict)]
    for doc in studies:
        _check_study(doc, Path(doc.name).stem, problems)
    facts = folder("facts", "facts", "not a facts file: facts are data/facts/<topic>.yaml")
    for doc in facts.values():
        _check_facts(doc, problems)
    grade = {stem: doc for stem, doc in folder("grade", "grade", "not a GRADE file: a GRADE row is data/grade/<id>.yaml").items() if isinstance(doc.data, dict)}
    if tumours is not None:
        _check_tumours(tumours, problems)
    if screening is not None:
        _check_screening(screening, problems)
    known = _study_outcomes(studies)
    for stem, doc in grade.items():
        _check_grade(doc, stem, known, problems)
    if pools is not None:
        _check_pools(pools, known, problems)

    # One study per citation key: two files naming the same study (a copy under a new name).
    first_file: dict[str, str] = {}
    for doc in studies:
        key = doc.data.get("citation")
        if isinstance(key, str):
            if key in first_file:
                problems.add(doc.name, doc.line(("citation",)), ("citation",), f"duplicate study: '{key}' is already in {first_file[key]}")
            first_file.setdefault(key, doc.name)

    bib = references.check_references(data_dir / "references", root)
    problems.extend(bib.problems)
    for doc in [*studies, *facts.values(), *(d for d in (tumours, screening) if d is not None)]:
        for path, key in _citations(doc):
            if key not in bib.files:
                problems.add(doc.name, doc.line(path), path, f"'{key}' has no reference: add data/references/{key}.bib")
    problems.extend(references.check_chapter_citations(root / "book", root, bib.files))

    ordered = sorted(problems, key=lambda p: (p[0], p[1]))  # stable: schema before cross-field rules
    unique = list(dict.fromkeys(f"{f}:{line}: {fld}: {msg}" for f, line, fld, msg in ordered))
    return Checked(studies, tumours, facts, screening, unique, grade, pools)


def validate_dataset(data_dir: Path) -> list[str]:
    """Return every problem found under ``data_dir``, formatted for people; empty when valid."""
    return load_checked(data_dir).problems
