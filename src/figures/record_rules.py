"""Rules of meaning within one file of the dataset, that a schema cannot express.

A study: CI bounds around the estimate, an estimate that agrees with its events and denominator,
an outcome's ``n`` within the study and equal to its denominator (unless a flag explains), a kind
of number that fits its unit, years from 1900 to this year, ages and counts in order, ids unique,
an appraisal with every item of the tool that fits the design, in the tool's order. Tumours and
facts: ranges in order, percentages from 0 to 100, codes and ids unique. Each problem is added to
a :class:`figures.yaml_lines.Problems` at the line of the value it is about.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from figures.schemas import appraisal_tools, tool_for_design
from figures.yaml_lines import Document, FieldPath, Problems

PERCENT = "percent"
FIRST_YEAR = 1900
ESTIMATE_TOLERANCE = 0.5  # percentage points between an estimate and 100 * events / denominator
# The units each kind of number can have (a case or a count is never a percentage).
KIND_UNITS = {
    "proportion": {"percent"},
    "survival": {"percent"},
    "prevalence": {"percent"},
    "count": {"count"},
    "case": {"count"},
    "time": {"months", "years"},
    "ratio": {"ratio"},
}


def number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_order(
    doc: Document, problems: Problems, base: FieldPath, names: list[str], values: dict, what: str = ""
) -> None:
    """Report each pair of known values that is out of order (``names`` in increasing order)."""
    known = [(n, values.get(n)) for n in names if number(values.get(n))]
    for (low_name, low), (high_name, high) in zip(known, known[1:]):
        if low > high:
            problems.add(
                doc.name,
                doc.line(base + (low_name,)),
                base + (low_name,),
                f"{low:g} is above the {what}{high_name.replace('_', ' ')} {high:g}",
            )


def _check_year(doc: Document, problems: Problems, path: FieldPath, year: Any) -> None:
    if number(year) and not FIRST_YEAR <= year <= datetime.date.today().year:
        problems.add(doc.name, doc.line(path), path, f"{year} is not a year from {FIRST_YEAR} to this year")


def check_named_after_file(doc: Document, key: str, what: str, stem: str, problems: Problems) -> None:
    """The field ``key`` of a file's top mapping (its ``what``: key, id) equals the file's stem."""
    if doc.data.get(key) != stem:
        problems.add(
            doc.name,
            doc.line((key,)),
            (key,),
            f"{json.dumps(doc.data.get(key))} differs from the file name: the {what} must equal the file stem '{stem}'",
        )


def check_study(doc: Document, stem: str, problems: Problems) -> None:
    study = doc.data
    check_named_after_file(doc, "citation", "key", stem, problems)
    population = study.get("population")
    if isinstance(population, dict):
        _in_order(doc, problems, ("population",), ["age_min", "age_median", "age_max"], population)
    n, n_liver = study.get("n_patients"), study.get("n_liver_metastases")
    if number(n) and number(n_liver) and n_liver > n:
        problems.add(
            doc.name, doc.line(("n_liver_metastases",)), ("n_liver_metastases",), f"{n_liver} is above n_patients {n}"
        )
    recruitment = study.get("recruitment")
    if isinstance(recruitment, dict):
        start, end = recruitment.get("start"), recruitment.get("end")
        for key in ("start", "end"):
            _check_year(doc, problems, ("recruitment", key), recruitment.get(key))
        if number(start) and number(end) and start > end:
            problems.add(
                doc.name,
                doc.line(("recruitment", "start")),
                ("recruitment", "start"),
                f"{start} is after the end {end}",
            )
    comparison_ids = unique_ids(doc, problems, study.get("comparisons"), ("comparisons",))
    unique_ids(doc, problems, study.get("outcomes"), ("outcomes",))
    recommendations = study.get("recommendations")
    unique_ids(doc, problems, recommendations, ("recommendations",))
    for index, rule in enumerate(recommendations if isinstance(recommendations, list) else []):
        if isinstance(rule, dict) and isinstance(rule.get("size_mm"), dict):
            _check_ranges(doc, problems, ("recommendations", index, "size_mm"), rule["size_mm"], "min", "max")
    flags = study.get("flags")
    flagged = (
        {f["field"] for f in flags if isinstance(f, dict) and isinstance(f.get("field"), str)}
        if isinstance(flags, list)
        else set()
    )
    outcomes = study.get("outcomes")
    for index, outcome in enumerate(outcomes if isinstance(outcomes, list) else []):
        if isinstance(outcome, dict):
            _check_outcome(doc, ("outcomes", index), outcome, comparison_ids, problems)
            _check_outcome_size(doc, ("outcomes", index), outcome, n, flagged, problems)
    if isinstance(study.get("appraisal"), dict):
        _check_appraisal(doc, study["appraisal"], study.get("design"), problems)


def _check_outcome_size(
    doc: Document, base: FieldPath, outcome: dict, n_patients: Any, flagged: set, problems: Problems
) -> None:
    """An outcome's ``n`` is within the study, and equals its denominator unless a flag explains."""
    n, denominator = outcome.get("n"), outcome.get("denominator")
    if number(n) and number(n_patients) and n > n_patients:
        problems.add(
            doc.name, doc.line(base + ("n",)), base + ("n",), f"{n} is above the study's n_patients {n_patients}"
        )
    explained = f"outcomes.{outcome.get('id')}.n" in flagged
    if number(n) and number(denominator) and n != denominator and not explained:
        problems.add(
            doc.name,
            doc.line(base + ("n",)),
            base + ("n",),
            f"{n} differs from the denominator {denominator} (explain it in a flag on field "
            f"outcomes.{outcome.get('id')}.n)",
        )


def _check_appraisal(doc: Document, appraisal: dict, design: Any, problems: Problems) -> None:
    """The tool fits the design, and lists each of its items once, in the tool's order."""
    tool = appraisal.get("tool")
    expected = tool_for_design(design) if isinstance(design, str) else None
    if expected and tool != expected and isinstance(tool, str):
        problems.add(
            doc.name,
            doc.line(("appraisal", "tool")),
            ("appraisal", "tool"),
            f"'{tool}' does not fit the design {design}: use {expected}",
        )
    spec = appraisal_tools().get(tool) if isinstance(tool, str) else None
    items = appraisal.get("items")
    if spec is None or not isinstance(items, list):
        return
    wanted = [item["id"] for item in spec["items"]]
    given = [item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else None for item in items]
    missing = [ident for ident in wanted if ident not in given]
    if missing:
        problems.add(
            doc.name,
            doc.line(("appraisal", "items")),
            ("appraisal", "items"),
            f"missing item(s) {', '.join(missing)} of {tool} ({len(wanted)} items: {wanted[0]}..{wanted[-1]})",
        )
    seen: set = set()
    for index, ident in enumerate(given):
        path = ("appraisal", "items", index, "id")
        if ident is None:
            continue
        if ident not in wanted:
            problems.add(
                doc.name, doc.line(path), path, f"'{ident}' is not an item of {tool} ({wanted[0]}..{wanted[-1]})"
            )
        elif ident in seen:
            problems.add(doc.name, doc.line(path), path, f"item '{ident}' given twice")
        seen.add(ident)
    if not missing and len(given) == len(wanted) and given != wanted:
        problems.add(
            doc.name,
            doc.line(("appraisal", "items")),
            ("appraisal", "items"),
            f"items out of order: list them as the tool does ({', '.join(wanted)})",
        )


def unique_ids(doc: Document, problems: Problems, items: Any, base_path: FieldPath) -> set[str]:
    """The ``id`` fields of the list ``items`` (at ``base_path``), each duplicate reported."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            continue
        base = base_path + (index,)
        if ident in seen:
            problems.add(
                doc.name, doc.line(base + ("id",)), base + ("id",), f"duplicate id '{ident}' (also item {seen[ident]})"
            )
        else:
            seen[ident] = index
    return set(seen)


def _check_outcome(doc: Document, base: FieldPath, outcome: dict, comparison_ids: set[str], problems: Problems) -> None:
    estimate, unit = outcome.get("estimate"), outcome.get("unit")
    ci = outcome.get("ci") if isinstance(outcome.get("ci"), dict) else {}
    events, denominator = outcome.get("events"), outcome.get("denominator")
    if unit == PERCENT:
        for path, value in [
            (base + ("estimate",), estimate),
            (base + ("ci", "low"), ci.get("low")),
            (base + ("ci", "high"), ci.get("high")),
        ]:
            if number(value) and not 0 <= value <= 100:
                problems.add(doc.name, doc.line(path), path, f"{value:g} is not a percentage (0-100)")
    low, high = ci.get("low"), ci.get("high")
    if number(low) and number(high) and low > high:
        problems.add(
            doc.name, doc.line(base + ("ci", "low")), base + ("ci", "low"), f"{low:g} is above the upper bound {high:g}"
        )
    elif number(estimate):
        if number(low) and low > estimate:
            problems.add(
                doc.name,
                doc.line(base + ("ci", "low")),
                base + ("ci", "low"),
                f"{low:g} is above the estimate {estimate:g}",
            )
        if number(high) and high < estimate:
            problems.add(
                doc.name,
                doc.line(base + ("ci", "high")),
                base + ("ci", "high"),
                f"{high:g} is below the estimate {estimate:g}",
            )
    if number(events) and number(denominator) and events > denominator:
        problems.add(
            doc.name,
            doc.line(base + ("events",)),
            base + ("events",),
            f"{events} is above the denominator {denominator}",
        )
    if estimate is None and "estimate" in outcome and not (number(events) and number(denominator)):
        problems.add(
            doc.name,
            doc.line(base + ("estimate",)),
            base + ("estimate",),
            "null needs events and denominator (a figure the outcome can be computed from)",
        )
    if (
        unit == PERCENT
        and number(estimate)
        and number(events)
        and number(denominator)
        and 0 < denominator
        and events <= denominator
    ):
        computed = 100 * events / denominator
        if abs(estimate - computed) > ESTIMATE_TOLERANCE:
            problems.add(
                doc.name,
                doc.line(base + ("estimate",)),
                base + ("estimate",),
                f"{estimate:g} disagrees with events/denominator {events}/{denominator} = {computed:.1f}%",
            )
    kind = outcome.get("kind") if isinstance(outcome.get("kind"), str) else None
    if kind in KIND_UNITS and isinstance(unit, str) and unit not in KIND_UNITS[kind]:
        problems.add(
            doc.name,
            doc.line(base + ("unit",)),
            base + ("unit",),
            f"'{unit}' does not fit the kind {kind} (use {' or '.join(sorted(KIND_UNITS[kind]))})",
        )
    if kind in {"count", "case"} and (number(low) or number(high)):
        problems.add(
            doc.name, doc.line(base + ("ci",)), base + ("ci",), f"a {kind} has no confidence interval: write null"
        )
    comparison = outcome.get("comparison")
    if isinstance(comparison, str) and comparison not in comparison_ids:
        known = ", ".join(sorted(comparison_ids)) or "none declared"
        problems.add(
            doc.name,
            doc.line(base + ("comparison",)),
            base + ("comparison",),
            f"'{comparison}' is not the id of one of the study's comparisons ({known})",
        )


def _check_ranges(doc: Document, problems: Problems, base: FieldPath, item: dict, low_key: str, high_key: str) -> None:
    low, high = item.get(low_key), item.get(high_key)
    if number(low) and number(high) and low > high:
        problems.add(doc.name, doc.line(base + (low_key,)), base + (low_key,), f"{low:g} is above {high_key} {high:g}")


def check_tumours(doc: Document, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for index, tumour in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(tumour, dict):
            continue
        code = tumour.get("code")
        if isinstance(code, str):
            if code in seen:
                problems.add(
                    doc.name,
                    doc.line((index, "code")),
                    (index, "code"),
                    f"duplicate tumour '{code}' (also item {seen[code]})",
                )
            seen.setdefault(code, index)
        for key in ("metastatic_at_diagnosis", "hepatic_metastatic_disease"):
            if isinstance(tumour.get(key), dict):
                _check_ranges(doc, problems, (index, key), tumour[key], "low", "high")


def check_facts(doc: Document, problems: Problems) -> None:
    unique_ids(doc, problems, doc.data, ())
    for index, fact in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(fact, dict):
            continue
        _check_ranges(doc, problems, (index,), fact, "low", "high")
        if fact.get("unit") == PERCENT:
            for key in ("low", "high"):
                value = fact.get(key)
                if number(value) and not 0 <= value <= 100:
                    problems.add(
                        doc.name, doc.line((index, key)), (index, key), f"{value:g} is not a percentage (0-100)"
                    )
