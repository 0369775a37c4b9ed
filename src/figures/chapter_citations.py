"""The chapters' citations against the references: every key a chapter cites (``{cite:p}``,
``{cite:t}``, ``{cite}``...) has a ``data/references/<key>.bib``.

A build-side check, run by ``hepmet validate`` (so by ``hepmet build``) and by the Sphinx extension
when a build starts: the data layer, which every executing page loads, never reads ``book/``.
Problems read ``book/<chapter>.md:<line>: cite: '<key>' has no reference: ...``.
"""

from __future__ import annotations

import re
from pathlib import Path

from figures import data_files, validate
from figures.yaml_lines import Problem

BOOK_DIR = "book"
# MyST citation roles: {cite}`a`, {cite:p}`a,b`, {cite:t}`a`, {cite:ps}`a; b`...
_CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")


def unknown_citations(root: Path, keys: set[str]) -> list[Problem]:
    """Every citation key of the chapters (``book/**/*.md`` under ``root``) not among ``keys``."""
    book_dir = root / BOOK_DIR
    problems = []
    for path in sorted(book_dir.rglob("*.md")) if book_dir.is_dir() else []:
        name = str(path.relative_to(root))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in _CITE_ROLE.finditer(line):
                for key in filter(None, (k.strip() for k in re.split(r"[,;]", match.group(1)))):
                    if key not in keys:
                        problems.append(
                            (name, number, "cite", f"'{key}' has no reference: add data/references/{key}.bib")
                        )
    return problems


def unknown_citation_lines(root: Path, keys: set[str]) -> list[str]:
    """:func:`unknown_citations` as ``file:line: field: message`` lines."""
    return validate.problem_lines(unknown_citations(root, keys))


def project_problems(root: Path, store: Path | None = None) -> list[str]:
    """Every problem of ``root``'s dataset and of its chapters' citations, as
    ``file:line: field: message`` in file order (the chapters' ``book/`` before ``data/``); a valid
    dataset is kept in ``store`` when one is given (:func:`figures.data_files.check`)."""
    checked = data_files.check(root / "data", store)
    if checked.reference_keys is None:  # no data folder: no reference to check a citation against
        return checked.problems
    return [*unknown_citation_lines(root, checked.reference_keys), *checked.problems]
