"""Validate the dataset: read every file of ``data/`` and report every problem as
``file:line: field: message``.

Three layers, all of which report every problem they find (never only the first):

1. YAML syntax, read by :mod:`figures.yaml_lines` so that each value knows the line it was written
   on; symbolic links and files resolving outside ``data/`` are refused without being read.
2. The declared schemas (``figures/schema/*.schema.json``), checked by :mod:`figures.schemas`.
3. Rules of meaning that a schema cannot express: within one file (:mod:`figures.record_rules`),
   across files (:mod:`figures.link_rules`), the references (:mod:`figures.references`) and the
   screening log (:mod:`figures.screening_log`).

``validate_dataset(data_dir)`` returns the problems; :func:`load_checked` also returns the parsed
documents so that :mod:`figures.data_files` reads every file once. (The chapters' citations are
checked on the build side, by :mod:`figures.chapter_citations`: the dataset never reads ``book/``.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from figures import link_rules, record_rules, references, screening_log
from figures.schemas import schema_problems, validators
from figures.yaml_lines import Document, Problem, Problems, read_yaml, refused


@dataclass
class Checked:
    """The parsed files of a dataset (only those that parsed) and every problem found."""

    studies: list[Document]
    tumours: Document | None
    facts: dict[str, Document]
    screening: list[Document]  # the rounds of the screening log (figures.screening_log)
    problems: list[str]
    grade: dict[str, Document] = dataclasses.field(default_factory=dict)
    pools: Document | None = None
    management: Document | None = None
    # The stems of data/references/*.bib, valid or not; None when there is no data folder.
    reference_keys: set[str] | None = None


def problem_lines(problems: Iterable[Problem]) -> list[str]:
    """``file:line: field: message`` lines, sorted by file and line (stable: a schema's problem
    before a rule's on the same line), each once."""
    ordered = sorted(problems, key=lambda p: (p[0], p[1]))
    return list(dict.fromkeys(f"{f}:{line}: {fld}: {msg}" for f, line, fld, msg in ordered))


class _Reader:
    """Reads the YAML files of one dataset folder, each checked against its schema."""

    def __init__(self, data_dir: Path, problems: Problems):
        self.data_dir, self.root, self.problems = data_dir, data_dir.parent, problems
        self.checkers = validators()

    def _name(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def schema_checked(self, path: Path, kind: str) -> Document | None:
        why_not = refused(path, self.data_dir)
        if why_not:
            self.problems.add(self._name(path), 1, "(file)", why_not)
            return None
        doc = read_yaml(path, self.root, self.problems)
        if not doc.parsed:
            return None
        if doc.data is None and kind != "facts":
            self.problems.add(doc.name, 1, "(file)", "the file is empty")
            return None
        schema_problems(doc, self.checkers[kind], self.problems)
        return doc

    def file(self, relative: str, kind: str, required: bool = True) -> Document | None:
        path = self.data_dir / relative
        if not path.is_file() and not path.is_symlink():
            if required:
                self.problems.add(self._name(path), 1, "(file)", f"missing: the dataset needs data/{relative}")
            return None
        return self.schema_checked(path, kind)

    def folder(self, relative: str, kind: str, not_this: str) -> dict[str, Document]:
        """The YAML files of ``data/<relative>/``, by stem; anything else is reported."""
        documents = {}
        base = self.data_dir / relative
        for path in sorted(base.glob("*")) if base.is_dir() else []:
            if path.suffix != ".yaml" or not (path.is_file() or path.is_symlink()):
                self.problems.add(self._name(path), 1, "(file)", not_this)
                continue
            doc = self.schema_checked(path, kind)
            if doc is not None:
                documents[path.stem] = doc
        return documents


def load_checked(data_dir: Path) -> Checked:
    """Read and check every file of ``data_dir``; problems sorted by file and line.

    A citation counts as present when its ``.bib`` file exists: a problem inside that file is
    reported there, not again at every file that cites it.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return Checked([], None, {}, [], [f"{data_dir}:1: (file): the data folder is missing"])
    problems = Problems()
    read = _Reader(data_dir, problems)

    tumours = read.file("tumours.yaml", "tumours")
    pools = read.file("pools.yaml", "pools", required=False)
    # Optional: a dataset without the conclusion's management summary is still a dataset.
    management = read.file("management.yaml", "management", required=False)
    studies = [
        doc
        for doc in read.folder(
            "studies", "study", "not a study file: a study is data/studies/<citation-key>.yaml"
        ).values()
        if isinstance(doc.data, dict)
    ]
    for doc in studies:
        record_rules.check_study(doc, Path(doc.name).stem, problems)
    facts = read.folder("facts", "facts", "not a facts file: facts are data/facts/<topic>.yaml")
    for doc in facts.values():
        record_rules.check_facts(doc, problems)
    grade = {
        stem: doc
        for stem, doc in read.folder("grade", "grade", "not a GRADE file: a GRADE row is data/grade/<id>.yaml").items()
        if isinstance(doc.data, dict)
    }
    if tumours is not None:
        record_rules.check_tumours(tumours, problems)
    screening = screening_log.check_log(data_dir, problems)
    known = link_rules.study_outcomes(studies)
    for stem, doc in grade.items():
        link_rules.check_grade(doc, stem, known, problems)
    if pools is not None:
        link_rules.check_pools(pools, known, problems)
    if management is not None and tumours is not None:
        link_rules.check_management(management, tumours, problems)
    link_rules.check_one_study_per_key(studies, problems)

    bib = references.check_references(data_dir / "references", data_dir.parent)
    problems.extend(bib.problems)
    cited = [*studies, *facts.values(), *(d for d in (tumours, management) if d is not None)]
    link_rules.check_citations(cited, bib.files, problems)
    return Checked(studies, tumours, facts, screening, problem_lines(problems), grade, pools, management, bib.files)


def validate_dataset(data_dir: Path) -> list[str]:
    """Return every problem found under ``data_dir``, formatted for people; empty when valid."""
    return load_checked(data_dir).problems
