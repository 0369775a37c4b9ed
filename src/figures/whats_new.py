"""What changed between editions, computed from the dataset at each edition's git tag.

The current dataset (``data/`` as it is being built) is compared with the dataset at the previous
edition's tag (read with ``git archive``): studies added, removed or corrected, and for a corrected
study which fields and which outcomes changed. Comparing parsed records, not text, means a change
of comments or key order is not reported as a correction.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from figures import dataset, deps, edition, paths, render

ADDED, REMOVED, CORRECTED = "added", "removed", "corrected"
_CITATION_KEY = re.compile(r"[A-Za-z0-9_:.-]+")


@dataclass(frozen=True)
class StudyChange:
    citation: str
    label: str
    kind: str                                     # added | removed | corrected
    fields: tuple[str, ...] = ()                  # top-level fields that differ (corrected)
    outcomes_added: tuple[str, ...] = ()
    outcomes_removed: tuple[str, ...] = ()
    outcomes_changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    previous: str | None                          # the tag compared with; None: first edition
    current: str                                  # the version being built
    n_studies: int
    changes: list[StudyChange] = field(default_factory=list)
    released: bool = True                         # False: a development state past (or before) any tag

    @property
    def name(self) -> str:
        """How the text names this version ("edition v2", "the development version v2-3-gabc")."""
        if self.released:
            return f"edition {render.escape_markdown(self.current)}"
        if self.current == edition.UNRELEASED:
            return "the development version"
        return f"the development version {render.escape_markdown(self.current)}"

    def of_kind(self, kind: str) -> list[StudyChange]:
        return [c for c in self.changes if c.kind == kind]


def _outcomes(record: dict) -> dict[str, dict]:
    return {str(o.get("id")): o for o in record.get("outcomes") or [] if isinstance(o, dict)}


def compare_records(old: dict[str, dict], new: dict[str, dict]) -> list[StudyChange]:
    """The study-level differences from ``old`` to ``new`` (both keyed by citation), sorted."""
    changes = []
    for citation in sorted(old.keys() | new.keys()):
        before, after = old.get(citation), new.get(citation)
        if before == after:
            continue
        label = str((after or before).get("label") or citation)
        if before is None:
            changes.append(StudyChange(citation, label, ADDED))
        elif after is None:
            changes.append(StudyChange(citation, label, REMOVED))
        else:
            fields = tuple(sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)))
            was, now = _outcomes(before), _outcomes(after)
            changes.append(
                StudyChange(
                    citation, label, CORRECTED, fields,
                    outcomes_added=tuple(sorted(now.keys() - was.keys())),
                    outcomes_removed=tuple(sorted(was.keys() - now.keys())),
                    outcomes_changed=tuple(sorted(k for k in was.keys() & now.keys() if was[k] != now[k])),
                )
            )
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
        return dataset.study_records(Path(folder) / "data")


def previous_tag(root: Path, current: edition.Edition) -> str | None:
    """The edition before ``current``: the latest earlier tag (or the latest tag, past it)."""
    tags = [t for t in edition.edition_tags(root) if t != current.version]
    return tags[-1] if tags else None


def compare_with_previous(root: Path) -> Comparison | None:
    """This build's dataset against the previous edition's; None when ``root`` is not a checkout."""
    if not edition.is_checkout(root):
        return None
    current = edition.read_edition(root)
    now = dataset.study_records(root / "data")
    previous = previous_tag(root, current)
    changes = compare_records(records_at(root, previous), now) if previous else []
    return Comparison(previous, current.version, len(now), changes, released=current.is_release)


def history(root: Path) -> list[tuple[str, str | None, Comparison]]:
    """Every edition tag reachable from HEAD, newest first: (tag, date, changes from the one before)."""
    rows = []
    tags = edition.edition_tags(root)
    before: dict[str, dict] = {}
    for index, tag in enumerate(tags):
        records = records_at(root, tag)
        changes = compare_records(before, records)  # the first edition: every study is added
        time = edition.git(root, "log", "-1", "--format=%ct", tag)
        rows.append((tag, edition.iso_date(time) if time else None, Comparison(tags[index - 1] if index else None, tag, len(records), changes)))
        before = records
    return rows[::-1]


# --- display --------------------------------------------------------------------------------


def _cite(change: StudyChange, known: set[str]) -> str:
    # A removed study's reference may be gone from data/references: then only its key is named.
    if change.citation in known and _CITATION_KEY.fullmatch(change.citation):
        return f"{{cite:p}}`{change.citation}`"
    return f"(`{change.citation}`)" if _CITATION_KEY.fullmatch(change.citation) else render.escape_markdown(change.citation)


def _names(ids: tuple[str, ...]) -> str:
    return ", ".join(render.escape_markdown(i) for i in ids)


def _line(change: StudyChange, known: set[str]) -> str:
    text = f"- **{render.escape_markdown(change.label)}** {_cite(change, known)}"
    if change.kind == CORRECTED:
        details = [f"fields changed: {_names(change.fields)}"]
        for what, ids in (("outcomes added", change.outcomes_added), ("outcomes removed", change.outcomes_removed),
                          ("outcomes changed", change.outcomes_changed)):
            if ids:
                details.append(f"{what}: {_names(ids)}")
        text += " \u2014 " + "; ".join(details)
    return text


class _Markdown:
    """MyST text for myst-nb to render in both editions (every value escaped or a checked key)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": self.text, "text/plain": self.text}


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
    return {p.stem for p in (root / "data" / "references").glob("*.bib")}


def show_this_edition() -> _Markdown:
    """Display what changed since the previous edition (for ``book/whats-new.md``)."""
    deps.record("studies")
    deps.record("references")
    root = _project_root()
    return _Markdown(describe(compare_with_previous(root), _known_citations(root)))


def history_table(root: Path) -> pd.DataFrame:
    """One row per edition, newest first, with the counts of studies added, corrected, removed."""
    rows = [
        {
            "Edition": tag,
            "Date": date,
            "Studies": comparison.n_studies,
            "Added": len(comparison.of_kind(ADDED)),
            "Corrected": len(comparison.of_kind(CORRECTED)),
            "Removed": len(comparison.of_kind(REMOVED)),
        }
        for tag, date, comparison in history(root)
    ]
    return pd.DataFrame(rows)


def show_history() -> render.TableDisplay | _Markdown:
    """Display the cumulative history of editions (for ``book/whats-new.md``)."""
    deps.record("studies")
    table = history_table(_project_root())
    if table.empty:
        return _Markdown("No edition has been released yet: this is the development version.\n")
    return render.show_table(table, caption="Editions of the review, newest first", name="table-editions")
