"""The screening log: one file per search round, ``data/screening/round-<N>.yaml``.

Each round names where it searched, its queries, and every record they returned with the decision
taken on it (include, exclude with a reason code, or still to screen). The PRISMA counts of a round
are computed from its records (:func:`prisma_counts`), never typed. A round is written atomically
(a temporary file in the same folder, then a rename) and only after the whole log, with the new
round in it, passed the checks: a failure leaves the log byte for byte as it was.

Checks (every problem as ``file:line: field: message``): the round schema
(``schema/screening-round.schema.json``), the file name's number equals ``round`` and rounds are
numbered 1, 2, 3... without a gap, record ids are ``r<round>-<nnn>`` and unique across rounds, a
record's queries are queries of its round, an exclusion has a reason and nothing else has one, an
included record names a study that has a file in ``data/studies/``, and only included records do.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from figures import schemas, yaml_lines

LOG_FOLDER = "screening"
ROUND_FILE = re.compile(r"^round-([1-9][0-9]*)\.yaml$")
# The reason codes of an exclusion, in words (the schema lists the same codes).
REASONS = {
    "wrong-population": "wrong population",
    "no-liver-data": "no data on liver metastases",
    "review-or-editorial": "review or editorial",
    "duplicate": "duplicate record",
    "adult-only": "adults only",
    "not-primary-study": "not a primary study",
    "no-abstract": "no abstract to screen",
    "already-included": "already in the review",
    "other": "other reason",
}
# Reasons that take a record out before screening (PRISMA: "records removed before screening").
REMOVED_REASONS = ("duplicate", "already-included")


class ScreeningLogError(Exception):
    """The screening log (or a round about to be written) has problems; one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_FOLDER


def round_path(data_dir: Path, number: int) -> Path:
    return log_dir(data_dir) / f"round-{number}.yaml"


def record_id(number: int, index: int) -> str:
    """The id of the ``index``-th record (1-based) of round ``number``: ``r2-001``."""
    return f"r{number}-{index:03d}"


# --- reading and checking -----------------------------------------------------------------------


def read_rounds(data_dir: Path, problems: list) -> list[yaml_lines.Document]:
    """Parse and schema-check every round file (in round order); problems are appended."""
    data_dir = Path(data_dir)
    root = data_dir.parent
    folder = log_dir(data_dir)
    if not folder.is_dir():
        problems.add(
            str(folder.relative_to(root)), 1, "(file)", "missing: the screening log needs data/screening/round-1.yaml"
        )
        return []
    checker = schemas.validators()["screening-round"]
    docs = []
    for path in sorted(folder.iterdir(), key=lambda p: (_file_number(p) or 0, p.name)):
        if not (path.is_file() and ROUND_FILE.match(path.name)):
            problems.add(
                str(path.relative_to(root)), 1, "(file)", "not a round file: a round is data/screening/round-<N>.yaml"
            )
            continue
        doc = yaml_lines.read_yaml(path, root, problems)
        if not doc.parsed:
            continue
        if not isinstance(doc.data, dict):
            problems.add(
                doc.name, 1, "(file)", "a round is a mapping (round, date, description, databases, queries, records)"
            )
            continue
        schemas.schema_problems(doc, checker, problems)
        docs.append(doc)
    return docs


def _file_number(path: Path) -> int | None:
    match = ROUND_FILE.match(path.name)
    return int(match.group(1)) if match else None


def check_rounds(docs: list[yaml_lines.Document], study_keys: set[str], problems: list) -> None:
    """The rules across fields, records and rounds (the schema has been checked already)."""
    seen_ids: dict[str, str] = {}
    numbers = []
    for doc in docs:
        data = doc.data
        number = data.get("round")
        expected = _file_number(Path(doc.name))
        if isinstance(number, int) and expected is not None and number != expected:
            problems.add(
                doc.name,
                doc.line(("round",)),
                ("round",),
                f"{number} differs from the file name: round-{expected}.yaml holds round {expected}",
            )
        if isinstance(number, int):
            numbers.append((number, doc))
        query_ids = {q.get("id") for q in data.get("queries") or [] if isinstance(q, dict)}
        _unique(doc, data.get("queries"), ("queries",), problems)
        for index, record in enumerate(data.get("records") if isinstance(data.get("records"), list) else []):
            if isinstance(record, dict):
                _check_record(doc, ("records", index), record, number, query_ids, study_keys, seen_ids, problems)
    for position, (number, doc) in enumerate(sorted(numbers, key=lambda item: item[0]), start=1):
        if number != position:
            problems.add(
                doc.name,
                doc.line(("round",)),
                ("round",),
                f"{number} leaves a gap: rounds are numbered 1, 2, 3... (expected {position})",
            )
            break


def _unique(doc, items, base, problems) -> None:
    seen = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str):
            if ident in seen:
                problems.add(
                    doc.name,
                    doc.line(base + (index, "id")),
                    base + (index, "id"),
                    f"duplicate id '{ident}' (also item {seen[ident]})",
                )
            seen.setdefault(ident, index)


def _check_record(doc, base, record, number, query_ids, study_keys, seen_ids, problems) -> None:
    def add(key, message):
        problems.add(doc.name, doc.line(base + (key,)), base + (key,), message)

    ident = record.get("id")
    if isinstance(ident, str):
        if ident in seen_ids:
            add("id", f"duplicate record id '{ident}' (also in {seen_ids[ident]})")
        seen_ids.setdefault(ident, doc.name)
        if isinstance(number, int) and not ident.startswith(f"r{number}-"):
            add("id", f"'{ident}' belongs to another round: records of round {number} are r{number}-<nnn>")
    for query in record.get("queries") if isinstance(record.get("queries"), list) else []:
        if isinstance(query, str) and query not in query_ids:
            add(
                "queries", f"'{query}' is not a query of this round ({', '.join(sorted(query_ids)) or 'none declared'})"
            )
    decision, reason, study = record.get("decision"), record.get("reason"), record.get("study")
    if decision == "exclude" and reason is None:
        add("reason", "an excluded record needs a reason code")
    if decision in {"include", "to-screen"} and reason is not None:
        add("reason", f"only an excluded record has a reason (this one is '{decision}')")
    if decision == "include":
        if study is None:
            add("study", "an included record names its study (the citation key of data/studies/<key>.yaml)")
        elif isinstance(study, str) and study not in study_keys:
            add(
                "study",
                f"'{study}' has no study file: add data/studies/{study}.yaml (hepmet new-study --from-record {ident})",
            )
    elif study is not None:
        add("study", f"only an included record names a study (this one is '{decision}')")


def study_keys(data_dir: Path) -> set[str]:
    folder = Path(data_dir) / "studies"
    return {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()


def check_log(data_dir: Path, problems: list) -> list[yaml_lines.Document]:
    """Read and check the whole log; the parsed rounds, in order (problems are appended)."""
    docs = read_rounds(data_dir, problems)
    check_rounds(docs, study_keys(data_dir), problems)
    return docs


def _formatted(problems: list) -> list[str]:
    ordered = sorted(problems, key=lambda p: (p[0], p[1]))
    return list(dict.fromkeys(f"{f}:{line}: {fld}: {msg}" for f, line, fld, msg in ordered))


def load_rounds(data_dir: Path) -> list[dict]:
    """Every round of the log, in order, checked; raises :class:`ScreeningLogError` when invalid."""
    problems = yaml_lines.Problems()
    docs = check_log(data_dir, problems)
    if problems:
        raise ScreeningLogError(_formatted(problems))
    return [doc.data for doc in docs]


# --- PRISMA -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrismaCounts:
    """The PRISMA 2020 counts of one round, computed from its records.

    identified = every record; removed = reasons ``duplicate`` and ``already-included``;
    screened = identified - removed; excluded = the other exclusions; awaiting = still to screen;
    included = included records (so screened = excluded + awaiting + included).
    """

    identified: int
    removed: int
    screened: int
    excluded: int
    awaiting: int
    included: int
    removed_by_reason: dict[str, int] = field(default_factory=dict)
    excluded_by_reason: dict[str, int] = field(default_factory=dict)


def prisma_counts(round_: dict) -> PrismaCounts:
    """The PRISMA counts of ``round_`` (a round as loaded)."""
    records = round_.get("records") or []
    removed = Counter(r["reason"] for r in records if r["decision"] == "exclude" and r["reason"] in REMOVED_REASONS)
    excluded = Counter(
        r["reason"] for r in records if r["decision"] == "exclude" and r["reason"] not in REMOVED_REASONS
    )
    decisions = Counter(r["decision"] for r in records)
    return PrismaCounts(
        identified=len(records),
        removed=sum(removed.values()),
        screened=len(records) - sum(removed.values()),
        excluded=sum(excluded.values()),
        awaiting=decisions["to-screen"],
        included=decisions["include"],
        removed_by_reason=dict(sorted(removed.items())),
        excluded_by_reason=dict(sorted(excluded.items())),
    )


# --- writing ------------------------------------------------------------------------------------


def dump_round(round_: dict) -> str:
    """The YAML text of a round: keys in the documented order, one record per block."""
    return yaml.safe_dump(round_, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def write_round(data_dir: Path, round_: dict) -> Path:
    """Write ``round_`` as ``round-<N>.yaml`` (new, or replacing that round), atomically.

    The log as it would be, with this round in it, is checked first; any problem raises
    :class:`ScreeningLogError` and nothing is written. Then the text goes to a temporary file in
    the same folder, which is renamed over the target: a reader sees the old file or the new one,
    never half of one, and a failure on the way leaves the old file as it was.
    """
    data_dir = Path(data_dir)
    number = round_.get("round")
    if not isinstance(number, int) or number < 1:
        raise ScreeningLogError([f"round {number!r}: a round number is a whole number from 1"])
    target = round_path(data_dir, number)
    problems = yaml_lines.Problems()
    docs = [d for d in read_rounds(data_dir, problems) if _file_number(Path(d.name)) != number]
    text = dump_round(round_)
    candidate = yaml_lines.Document(name=str(target.relative_to(data_dir.parent)))
    candidate = yaml_lines.parse_text(text, candidate, problems)
    schemas.schema_problems(candidate, schemas.validators()["screening-round"], problems)
    check_rounds(
        sorted([*docs, candidate], key=lambda d: _file_number(Path(d.name)) or 0), study_keys(data_dir), problems
    )
    if problems:
        raise ScreeningLogError(_formatted(problems))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def append_round(data_dir: Path, round_: dict) -> Path:
    """Add ``round_`` as the next round of the log (its number must be the next one)."""
    existing = load_rounds(data_dir) if log_dir(data_dir).is_dir() else []
    expected = len(existing) + 1
    if round_.get("round") != expected:
        raise ScreeningLogError([f"round {round_.get('round')!r}: the next round of the log is {expected}"])
    return write_round(data_dir, round_)


def next_round_number(data_dir: Path) -> int:
    return len(load_rounds(data_dir)) + 1 if log_dir(data_dir).is_dir() else 1


def find_record(rounds: list[dict], ident: str) -> tuple[dict, dict]:
    """The round and the record with id ``ident``; KeyError when the log has none."""
    for round_ in rounds:
        for record in round_.get("records") or []:
            if record["id"] == ident:
                return round_, record
    raise KeyError(ident)


def last_search_date(data_dir: Path) -> str | None:
    """The date of the latest round, read without checking (the edition stamp needs only this)."""
    dates = []
    for path in log_dir(data_dir).glob("round-*.yaml") if log_dir(data_dir).is_dir() else []:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_lines.PLAIN_LOADER) or {}
        if isinstance(data, dict) and data.get("date"):
            dates.append(str(data["date"]))
    return max(dates) if dates else None
