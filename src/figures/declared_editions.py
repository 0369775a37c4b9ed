"""The editions of the review, as declared in ``editions.yaml`` at the repository's root.

An edition is a line of that file, reviewed in a pull request like any other change::

    - version: "1.0.0"                                   # semantic version, strictly increasing
      commit: 152ee27d57fb9371e656baaaa125fba0ae43fc67   # the full commit the edition is built from
      date: "2026-12-02"                                 # ISO date of the release
      summary: "one line, our words"

Nothing depends on git tags: an edition is rebuilt from its declared commit on the main branch.
Tags may mirror the file (``hepmet editions --tag`` creates them locally).

Two levels of checking: :func:`read` checks the file itself (what every build needs; no git),
:func:`check` also checks each commit against the repository (exists, is an ancestor of HEAD and
of the next edition's commit), which needs the full history. Problems read
``editions.yaml:LINE: FIELD: message``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

FILE_NAME = "editions.yaml"
# ``hepmet editions`` builds an edition from its own commit, whose copy of this file may predate the
# edition's declaration: the builder points the build at the repository's current file.
FILE_VAR = "HEPMET_EDITIONS_FILE"
FIELDS = ("version", "commit", "date", "summary")
_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_FULL_COMMIT = re.compile(r"[0-9a-f]{40}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Declared:
    """One declared edition."""

    version: str
    commit: str
    date: str
    summary: str
    line: int  # where it starts in the file, for messages

    @property
    def version_key(self) -> tuple[int, int, int]:
        return tuple(int(part) for part in self.version.split("."))  # type: ignore[return-value]

    @property
    def tag(self) -> str:
        """The name of a git tag that mirrors this edition (``v1.0.0``)."""
        return f"v{self.version}"

    @property
    def epoch(self) -> int:
        """The release date at 00:00 UTC, as seconds: the edition's ``SOURCE_DATE_EPOCH``."""
        day = dt.date.fromisoformat(self.date)
        return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


class EditionsFileError(Exception):
    """``editions.yaml`` has problems; ``problems`` lists each as ``file:line: field: message``."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def file_path(root: Path) -> Path:
    """The declaration file a build of ``root`` reads: ``$HEPMET_EDITIONS_FILE`` or the root's."""
    configured = os.environ.get(FILE_VAR)
    return Path(configured) if configured else root / FILE_NAME


def _scalar(node: yaml.Node) -> str | None:
    """The text of a scalar as written (no YAML typing: a date or a number stays its text)."""
    return node.value if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null" else None


def _parse(text: str, name: str) -> tuple[list[Declared], list[str]]:
    problems: list[str] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        return [], [f"{name}:{mark.line + 1 if mark else 1}: (file): not valid YAML: {err.problem or err.context}"]
    if root is None or (isinstance(root, yaml.SequenceNode) and not root.value):
        return [], []  # no edition declared yet
    if not isinstance(root, yaml.SequenceNode):
        return [], [f"{name}:{root.start_mark.line + 1}: (file): must be a list of editions (- version: ...)"]
    declared = []
    for index, item in enumerate(root.value):
        line = item.start_mark.line + 1
        where = f"[{index}]"
        if not isinstance(item, yaml.MappingNode):
            problems.append(f"{name}:{line}: {where}: must be a mapping with {', '.join(FIELDS)}")
            continue
        values: dict[str, tuple[str | None, int]] = {}
        for key_node, value_node in item.value:
            key, key_line = _scalar(key_node), key_node.start_mark.line + 1
            if key not in FIELDS:
                problems.append(f"{name}:{key_line}: {where}.{key}: unknown field (expected {', '.join(FIELDS)})")
            elif key in values:
                problems.append(f"{name}:{key_line}: {where}.{key}: written twice (first on line {values[key][1]})")
            else:
                values[key] = (_scalar(value_node), value_node.start_mark.line + 1)
        item_problems = []
        for key in FIELDS:
            if key not in values:
                item_problems.append(f"{name}:{line}: {where}.{key}: missing")
        version, version_line = values.get("version", (None, line))
        commit, commit_line = values.get("commit", (None, line))
        date, date_line = values.get("date", (None, line))
        summary, summary_line = values.get("summary", (None, line))
        if "version" in values and not (version and _SEMVER.fullmatch(version)):
            item_problems.append(
                f"{name}:{version_line}: {where}.version: {version!r} is not a semantic version MAJOR.MINOR.PATCH "
                '(e.g. "1.0.0")'
            )
        if "commit" in values and not (commit and _FULL_COMMIT.fullmatch(commit)):
            item_problems.append(
                f"{name}:{commit_line}: {where}.commit: {commit!r} is not a full commit hash (40 lowercase hex digits; "
                "`git rev-parse <commit>` prints it)"
            )
        if "date" in values:
            try:
                if not (date and _ISO_DATE.fullmatch(date)):
                    raise ValueError
                dt.date.fromisoformat(date)
            except ValueError:
                item_problems.append(
                    f"{name}:{date_line}: {where}.date: {date!r} is not an ISO date YYYY-MM-DD that exists"
                )
        if "summary" in values and not (summary or "").strip():
            item_problems.append(f"{name}:{summary_line}: {where}.summary: must be a non-blank line")
        elif summary and "\n" in summary.strip():
            item_problems.append(f"{name}:{summary_line}: {where}.summary: must be one line")
        problems += item_problems
        if not item_problems:
            declared.append(Declared(version, commit, date, summary.strip(), line))  # type: ignore[arg-type]
    for before, after in zip(declared, declared[1:]):
        if after.version_key <= before.version_key:
            problems.append(
                f"{name}:{after.line}: version: {after.version} does not follow {before.version} (versions must "
                "strictly increase)"
            )
        if after.date < before.date:
            problems.append(f"{name}:{after.line}: date: {after.date} is before {before.version}'s date {before.date}")
    seen: dict[str, Declared] = {}
    for edition in declared:
        if edition.commit in seen:
            problems.append(f"{name}:{edition.line}: commit: already the commit of {seen[edition.commit].version}")
        seen.setdefault(edition.commit, edition)
    return declared, problems


def read(root: Path) -> list[Declared]:
    """The declared editions, oldest first ([] when the file is absent); checks the file alone.

    Raises :class:`EditionsFileError` listing every problem.
    """
    path = file_path(root)
    if not path.is_file():
        return []
    declared, problems = _parse(path.read_text(encoding="utf-8"), FILE_NAME if path == root / FILE_NAME else str(path))
    if problems:
        raise EditionsFileError(problems)
    return declared


def _git_ok(root: Path, *args: str) -> bool:
    return subprocess.run(["git", *args], cwd=root, capture_output=True).returncode == 0


def is_ancestor(root: Path, commit: str, of: str = "HEAD") -> bool:
    """True when ``commit`` is ``of`` or one of its ancestors in the repository at ``root``."""
    return _git_ok(root, "merge-base", "--is-ancestor", commit, of)


def check(root: Path) -> list[str]:
    """Every problem of ``editions.yaml``, including its commits against the repository at ``root``."""
    try:
        declared = read(root)
    except EditionsFileError as err:
        return err.problems
    name = FILE_NAME
    problems = []
    previous: Declared | None = None
    for edition in declared:
        if not _git_ok(root, "cat-file", "-e", f"{edition.commit}^{{commit}}"):
            problems.append(
                f"{name}:{edition.line}: commit: {edition.commit} is not a commit of this repository (a shallow clone "
                "lacks history: fetch it all)"
            )
        elif not is_ancestor(root, edition.commit):
            problems.append(
                f"{name}:{edition.line}: commit: {edition.commit} is not an ancestor of HEAD: an edition must be "
                "reachable from the main branch"
            )
        elif previous and not is_ancestor(root, previous.commit, of=edition.commit):
            problems.append(
                f"{name}:{edition.line}: commit: {edition.commit} does not descend from {previous.version}'s commit "
                f"{previous.commit[:12]}"
            )
        previous = edition
    return problems


def released_at(declared: list[Declared], commit: str) -> Declared | None:
    """The edition declared for ``commit``, if any."""
    return next((e for e in declared if e.commit == commit), None)


def up_to(declared: list[Declared], edition: Declared) -> list[Declared]:
    """The editions up to and including ``edition``, oldest first (what that edition knew)."""
    return declared[: declared.index(edition) + 1]
