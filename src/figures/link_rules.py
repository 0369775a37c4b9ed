"""Rules of meaning across the files of the dataset: what one file names must exist in another.

GRADE rows and declared pools name existing study outcomes (a pool: three or more, each from a
different study, with the pool's measure and time point); the management summary names tumours of
Table 1, each once; every citation key has its ``data/references/<key>.bib``; one study per
citation key.
"""

from __future__ import annotations

from typing import Any

from figures.record_rules import check_named_after_file, unique_ids
from figures.yaml_lines import Document, FieldPath, Problems

MIN_POOL = 3


def study_outcomes(studies: list[Document]) -> dict[str, dict[str, dict]]:
    """Outcomes by id, by citation key, of the studies that parsed."""
    result: dict[str, dict[str, dict]] = {}
    for doc in studies:
        outcomes = doc.data.get("outcomes")
        if not isinstance(doc.data.get("citation"), str):
            continue
        result[doc.data["citation"]] = (
            {o["id"]: o for o in outcomes if isinstance(o, dict) and isinstance(o.get("id"), str)}
            if isinstance(outcomes, list)
            else {}
        )
    return result


def _check_outcome_reference(
    doc: Document, path: FieldPath, citation: Any, outcome_id: Any, known: dict, problems: Problems
) -> dict | None:
    """The study outcome ``citation``/``outcome_id`` names, or None (reported) when there is none."""
    if not isinstance(citation, str) or not isinstance(outcome_id, str):
        return None
    if citation not in known:
        problems.add(
            doc.name,
            doc.line(path + ("citation",)),
            path + ("citation",),
            f"'{citation}' is not a study: no data/studies/{citation}.yaml",
        )
        return None
    if outcome_id not in known[citation]:
        ids = ", ".join(sorted(known[citation])) or "none"
        problems.add(
            doc.name, doc.line(path), path, f"'{outcome_id}' is not an outcome of {citation} (its outcomes: {ids})"
        )
        return None
    return known[citation][outcome_id]


def check_grade(doc: Document, stem: str, known: dict, problems: Problems) -> None:
    question = doc.data
    check_named_after_file(doc, "id", "id", stem, problems)
    evidence = question.get("evidence")
    for index, item in enumerate(evidence if isinstance(evidence, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("outcomes"), list):
            continue
        if isinstance(item.get("citation"), str) and item["citation"] not in known:
            problems.add(
                doc.name,
                doc.line(("evidence", index, "citation")),
                ("evidence", index, "citation"),
                f"'{item['citation']}' is not a study: no data/studies/{item['citation']}.yaml",
            )
            continue
        for position, outcome_id in enumerate(item["outcomes"]):
            _check_outcome_reference(
                doc, ("evidence", index, "outcomes", position), item.get("citation"), outcome_id, known, problems
            )


def check_pools(doc: Document, known: dict, problems: Problems) -> None:
    unique_ids(doc, problems, doc.data, ())
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
                problems.add(
                    doc.name,
                    doc.line(path + ("citation",)),
                    path + ("citation",),
                    f"'{citation}' is already member {studies_seen[citation]}: each member must come from a different "
                    "study",
                )
            elif isinstance(citation, str):
                studies_seen[citation] = position
            outcome = _check_outcome_reference(
                doc, path + ("outcome",), citation, member.get("outcome"), known, problems
            )
            if outcome is None:
                continue
            for key in ("measure", "timepoint_months"):
                if key in pool and outcome.get(key) != pool[key]:
                    problems.add(
                        doc.name,
                        doc.line(path + ("outcome",)),
                        path + ("outcome",),
                        f"its {key.replace('_', ' ')} {outcome.get(key)} differs from the pool's {pool[key]}",
                    )
        if len(studies_seen) < MIN_POOL:
            problems.add(
                doc.name,
                doc.line((index, "members")),
                (index, "members"),
                f"{len(studies_seen)} different studies: a pool needs at least {MIN_POOL}",
            )


def check_management(doc: Document, tumours: Document, problems: Problems) -> None:
    """Each tumour of the management table appears once and is a tumour of Table 1."""
    codes = {t.get("code") for t in tumours.data or [] if isinstance(t, dict)}
    seen = set()
    for i, item in enumerate(doc.data or []):
        code = item.get("tumour") if isinstance(item, dict) else None
        if code is None:
            continue
        path = (i, "tumour")
        if code not in codes:
            problems.add(doc.name, doc.line(path), path, f"'{code}' is not a tumour of data/tumours.yaml")
        elif code in seen:
            problems.add(doc.name, doc.line(path), path, f"'{code}' is described twice")
        seen.add(code)


def citations(doc: Document) -> list[tuple[FieldPath, str]]:
    """Every ``citation`` field of a document (and every key of a ``citations`` list), with its path."""
    if isinstance(doc.data, dict):
        return [(("citation",), doc.data["citation"])] if isinstance(doc.data.get("citation"), str) else []
    if isinstance(doc.data, list):
        found = []
        for i, item in enumerate(doc.data):
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("citation"), str):
                found.append(((i, "citation"), item["citation"]))
            keys = item.get("citations")
            found += [
                ((i, "citations", j), k)
                for j, k in enumerate(keys if isinstance(keys, list) else [])
                if isinstance(k, str)
            ]
        return found
    return []


def check_citations(docs: list[Document], reference_keys: set[str], problems: Problems) -> None:
    """Every citation of ``docs`` has a reference file (a problem inside that file is reported
    there, not again at every file that cites it)."""
    for doc in docs:
        for path, key in citations(doc):
            if key not in reference_keys:
                problems.add(doc.name, doc.line(path), path, f"'{key}' has no reference: add data/references/{key}.bib")


def check_one_study_per_key(studies: list[Document], problems: Problems) -> None:
    """Two files naming the same study (a copy under a new name) are reported at the second."""
    first_file: dict[str, str] = {}
    for doc in studies:
        key = doc.data.get("citation")
        if isinstance(key, str):
            if key in first_file:
                problems.add(
                    doc.name,
                    doc.line(("citation",)),
                    ("citation",),
                    f"duplicate study: '{key}' is already in {first_file[key]}",
                )
            first_file.setdefault(key, doc.name)
