"""What changed between editions, computed from the dataset at each declared edition's commit.

The dataset being built is compared with the dataset of the edition before it, as declared in
``editions.yaml`` (read with ``git archive`` at that edition's commit): edition N with edition N-1,
a development state with the newest edition it descends from. Studies are matched by citation key.

A study is *corrected* when its evidence changed: its patient counts, the numbers of its outcomes
(estimate, unit, events, denominator, time point, confidence interval, and the outcome's own ``n``
when both editions record it; a percentage given with its events and denominator is compared by
those two), its reported P values, or its flags. Wording (labels, group names,
notes), outcome ids and measure codes are not compared, and outcomes are matched by their numbers,
not their order or ids: a study whose file was only migrated to a newer data model (new fields,
renamed codes) is not a correction. Flags are compared only between files of the same data model
(a file with an ``appraisal`` is the second model), since a migration may reword them.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from figures import data_files, declared_editions, deps, edition, paths, render, schemas

ADDED, REMOVED, CORRECTED = "added", "removed", "corrected"
STUDY_NUMBERS = ("n_patients", "n_liver_metastases")
OUTCOME_NUMBERS = ("estimate", "unit", "events", "denominator", "timepoint_months")
CI_NUMBERS = ("low", "high", "level")
# Fields of a later data model: compared only when both editions' outcomes have them.
LATER_OUTCOME_NUMBERS = ("n",)


@dataclass(frozen=True)
class StudyChange:
    citation: str
    label: str
    kind: str  # added | removed | corrected
    fields: tuple[str, ...] = ()  # what changed (corrected): counts, comparisons, outcomes, flags
    outcomes_added: tuple[str, ...] = ()
    outcomes_removed: tuple[str, ...] = ()
    outcomes_changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    previous: str | None  # the edition compared with; None: none before
    current: str  # the version being built
    n_studies: int
    changes: list[StudyChange] = field(default_factory=list)
    released: bool = True  # False: a development state

    @property
    def name(self) -> str:
        """How the text names this version ("edition 2.0.0", "the development version after 2.0.0")."""
        if self.released:
            return f"edition {render.escape_markdown(self.current)}"
        if self.current == edition.UNRELEASED:
            return "the development version"
        return f"the {render.escape_markdown(self.current)}"

    def of_kind(self, kind: str) -> list[StudyChange]:
        return [c for c in self.changes if c.kind == kind]


def _number(value):
    """A value as compared: 76 and 76.0 are the same number; text stays text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return float(value)


def _outcomes(record: dict) -> list[dict]:
    return [o for o in record.get("outcomes") or [] if isinstance(o, dict)]


def _outcome_numbers(outcome: dict, later_fields: tuple[str, ...]) -> tuple:
    ci = outcome.get("ci") if isinstance(outcome.get("ci"), dict) else {}
    numbers = {k: _number(outcome.get(k)) for k in OUTCOME_NUMBERS}
    if numbers["unit"] == "percent" and numbers["events"] is not None and numbers["denominator"] is not None:
        numbers["estimate"] = None  # follows from events/denominator (a later data model may leave it out)
    return (
        *numbers.values(),
        *(_number(ci.get(k)) for k in CI_NUMBERS),
        *(_number(outcome.get(k)) for k in later_fields),
    )


def _unmatched(ours: dict[str, tuple], theirs: dict[str, tuple]) -> list[str]:
    """Ids of ``ours`` whose numbers have no counterpart left in ``theirs`` (a multiset match)."""
    available = Counter(theirs.values())
    missing = []
    for outcome_id, numbers in ours.items():
        if available[numbers]:
            available[numbers] -= 1
        else:
            missing.append(outcome_id)
    return missing


def _p_values(record: dict) -> Counter:
    return Counter(
        (_number(c.get("p_value")), c.get("p_relation", "="))
        for c in record.get("comparisons") or []
        if isinstance(c, dict) and c.get("p_value") is not None
    )


def _flags(record: dict) -> Counter:
    return Counter((str(f.get("field")), str(f.get("note"))) for f in record.get("flags") or [] if isinstance(f, dict))


def _data_model(record: dict) -> int:
    return 2 if "appraisal" in record else 1


def _correction(citation: str, label: str, before: dict, after: dict) -> StudyChange | None:
    """What changed in the evidence of one study, or None when only wording or format did."""
    fields = [k for k in STUDY_NUMBERS if _number(before.get(k)) != _number(after.get(k))]
    if _p_values(before) != _p_values(after):
        fields.append("comparisons")
    was_outcomes, now_outcomes = _outcomes(before), _outcomes(after)
    later = tuple(k for k in LATER_OUTCOME_NUMBERS if all(k in o for o in was_outcomes + now_outcomes))
    was = {str(o.get("id")): _outcome_numbers(o, later) for o in was_outcomes}
    now = {str(o.get("id")): _outcome_numbers(o, later) for o in now_outcomes}
    gone, new = _unmatched(was, now), _unmatched(now, was)
    if gone or new:
        fields.append("outcomes")
    if _data_model(before) == _data_model(after) and _flags(before) != _flags(after):
        fields.append("flags")
    if not fields:
        return None
    return StudyChange(
        citation,
        label,
        CORRECTED,
        tuple(fields),
        outcomes_added=tuple(sorted(set(new) - set(gone))),
        outcomes_removed=tuple(sorted(set(gone) - set(new))),
        outcomes_changed=tuple(sorted(set(gone) & set(new))),
    )


def compare_records(old: dict[str, dict], new: dict[str, dict]) -> list[StudyChange]:
    """The study-level differences from ``old`` to ``new`` (both keyed by citation), sorted."""
    changes = []
    for citation in sorted(old.keys() | new.keys()):
        before, after = old.get(citation), new.get(citation)
        label = str((after or before or {}).get("label") or citation)
        if before is None:
            changes.append(StudyChange(citation, label, ADDED))
        elif after is None:
            changes.append(StudyChange(citation, label, REMOVED))
        else:
            correction = _correction(citation, label, before, after)
            if correction:
                changes.append(correction)
    return changes


def records_at(root: Path, revision: str) -> dict[str, dict]:
    """The study records of ``data/studies`` at a git revision (empty if it had none)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "--", "data/studies"], cwd=root, capture_output=True
    )
    if archive.returncode != 0:  # the revision has no data/studies folder yet
        return {}
    with tempfile.TemporaryDirectory(prefix="hepmet-edition-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        return data_files.study_records(Path(folder) / "data")


def _editions_before(root: Path, current: edition.Edition) -> list[declared_editions.Declared]:
    """The declared editions ``current`` knows of, oldest first: itself and those before it."""
    declared = declared_editions.read(root)
    this = declared_editions.released_at(declared, current.commit)
    if this:
        return declared_editions.up_to(declared, this)
    return [e for e in declared if declared_editions.is_ancestor(root, e.commit)]


def compare_with_previous(root: Path) -> Comparison | None:
    """This build's dataset against the previous edition's; None when ``root`` is not a checkout."""
    if not edition.is_checkout(root):
        return None
    current = edition.read_edition(root)
    now = data_files.study_records(root / "data")
    known = _editions_before(root, current)
    earlier = known[:-1] if current.released else known
    previous = earlier[-1] if earlier else None
    changes = compare_records(records_at(root, previous.commit), now) if previous else []
    return Comparison(
        previous.version if previous else None, current.version, len(now), changes, released=current.released
    )


def history(root: Path) -> list[tuple[str, str, Comparison]]:
    """Every declared edition up to this build, newest first: (version, date, changes from the one before)."""
    if not edition.is_checkout(root):
        return []
    rows = []
    before: dict[str, dict] = {}
    previous = None
    for declared in _editions_before(root, edition.read_edition(root)):
        records = records_at(root, declared.commit)
        changes = compare_records(before, records)  # the first edition: every study is added
        rows.append((declared.version, declared.date, Comparison(previous, declared.version, len(records), changes)))
        before, previous = records, declared.version
    return rows[::-1]


# --- display --------------------------------------------------------------------------------


def _cite(change: StudyChange, known: set[str]) -> str:
    # A removed study's reference may be gone from data/references: then only its key is named.
    if change.citation in known and schemas.CITATION_KEY.fullmatch(change.citation):
        return f"{{cite:p}}`{change.citation}`"
    return (
        f"(`{change.citation}`)"
        if schemas.CITATION_KEY.fullmatch(change.citation)
        else render.escape_markdown(change.citation)
    )


def _names(ids: tuple[str, ...]) -> str:
    return ", ".join(render.escape_markdown(i) for i in ids)


def _line(change: StudyChange, known: set[str]) -> str:
    text = f"- **{render.escape_markdown(change.label)}** {_cite(change, known)}"
    if change.kind == CORRECTED:
        details = [f"fields changed: {_names(change.fields)}"]
        for what, ids in (
            ("outcomes added", change.outcomes_added),
            ("outcomes removed", change.outcomes_removed),
            ("outcomes changed", change.outcomes_changed),
        ):
            if ids:
                details.append(f"{what}: {_names(ids)}")
        text += " \u2014 " + "; ".join(details)
    return text


def describe(comparison: Comparison | None, known_citations: set[str]) -> str:
    """The "what's new" section as MyST text."""
    if comparison is None:
        return "This copy of the review is not a git checkout, so it cannot be compared with earlier editions.\n"
    name = comparison.name
    if comparison.previous is None:
        if not comparison.released:
            return f"No edition has been released yet; {name} includes {comparison.n_studies} studies.\n"
        return f"This is the first edition; {name} includes {comparison.n_studies} studies.\n"
    previous = render.escape_markdown(comparison.previous)
    if not comparison.changes:
        return f"Compared with edition {previous}, {name} has the same studies ({comparison.n_studies}).\n"
    parts = [f"Compared with edition {previous}, {name} ({comparison.n_studies} studies) has these changes.\n"]
    for kind, heading in ((ADDED, "Studies added"), (CORRECTED, "Studies corrected"), (REMOVED, "Studies removed")):
        changes = comparison.of_kind(kind)
        if changes:
            lines = "\n".join(_line(c, known_citations) for c in changes)
            # A container per kind gives readers a heading and the tests a class to find the list by.
            parts.append(f"\n::::{{container}} hepmet-whats-new-{kind}\n{heading} ({len(changes)}):\n\n{lines}\n::::\n")
    return "".join(parts)


def _project_root() -> Path:
    return paths.data_dir().parent


def _known_citations(root: Path) -> set[str]:
    return data_files.reference_keys(root / "data")


def this_edition() -> render.Display:
    """What changed since the previous edition (for ``book/whats-new.md``); MyST text whose every
    value is escaped or a checked key."""
    deps.record("studies")
    deps.record("references")
    root = _project_root()
    text = describe(compare_with_previous(root), _known_citations(root))
    return render.markdown(text, text)


def history_table(root: Path) -> pd.DataFrame:
    """One row per edition, newest first, with the counts of studies added, corrected, removed."""
    rows = [
        {
            "Edition": version,
            "Date": date,
            "Studies": comparison.n_studies,
            "Added": len(comparison.of_kind(ADDED)),
            "Corrected": len(comparison.of_kind(CORRECTED)),
            "Removed": len(comparison.of_kind(REMOVED)),
        }
        for version, date, comparison in history(root)
    ]
    return pd.DataFrame(rows)


def history_display() -> render.Display:
    """The cumulative history of editions (for ``book/whats-new.md``)."""
    deps.record("studies")
    table = history_table(_project_root())
    if table.empty:
        text = "No edition has been released yet: this is the development version.\n"
        return render.markdown(text, text)
    return render.table(table, caption="Editions of the review, newest first", name="table-editions")
