"""How to cite an edition: BibTeX and RIS built from CITATION.cff and the edition's facts.

CITATION.cff holds what does not change between editions (title, authors, licence, repository,
the DOI once Zenodo has minted one); the version, date and commit come from git
(:mod:`figures.edition`), so nothing here is typed per release.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pybtex.database import BibliographyData, Entry, Person

from figures import deps, paths, render
from figures import edition as editions

CITATION_FILE = "CITATION.cff"


def read_cff(root: Path) -> dict:
    with (root / CITATION_FILE).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _author_names(cff: dict) -> list[str]:
    """Authors as "Family, Given" (persons) or the organisation's name (entities)."""
    names = []
    for author in cff.get("authors") or []:
        if author.get("family-names"):
            given = author.get("given-names")
            names.append(f"{author['family-names']}, {given}" if given else author["family-names"])
        else:
            names.append(author["name"])
    return names


def _year(edition: editions.Edition) -> str | None:
    date = edition.date
    return date[:4] if date else None


def citation_key(edition: editions.Edition) -> str:
    return "hepmet-review-" + re.sub(r"[^A-Za-z0-9.-]+", "-", edition.version)


def _note(edition: editions.Edition) -> str:
    return (
        f"Edition {edition.version}; last search {edition.last_search or editions.NOT_RECORDED}; "
        f"commit {edition.short_commit}; data fingerprint {edition.short_fingerprint}"
    )


def bibtex(cff: dict, edition: editions.Edition) -> str:
    """A BibTeX entry for the edition; pybtex writes it, escaping what BibTeX would misread."""
    fields = {"title": cff["title"], "version": edition.version, "note": _note(edition)}
    if _year(edition):
        fields["year"] = _year(edition)
    if cff.get("repository-code"):
        fields["url"] = cff["repository-code"]
    if cff.get("doi"):
        fields["doi"] = cff["doi"]
    # An organisation is one brace-protected name, so BibTeX does not split it into first/last.
    people = [Person(name) if "," in name else Person("{" + name + "}") for name in _author_names(cff)]
    entry = Entry("misc", fields=fields, persons={"author": people})
    return BibliographyData({citation_key(edition): entry}).to_string("bibtex").strip() + "\n"


def ris(cff: dict, edition: editions.Edition) -> str:
    """An RIS record for the edition.

    Written by hand: RIS is one ``TAG  - value`` per line with no escaping, so the one rule is
    that a value may not break the line (no maintained RIS writer is among our dependencies).
    """

    def line(tag: str, value: str) -> str:
        return f"{tag}  - {' '.join(str(value).split())}"

    lines = [line("TY", "DATA"), line("TI", cff["title"])]
    lines += [line("AU", name) for name in _author_names(cff)]
    if _year(edition):
        lines.append(line("PY", _year(edition)))
    if edition.date:
        lines.append(line("DA", edition.date.replace("-", "/")))
    lines.append(line("ET", edition.version))
    if cff.get("repository-code"):
        lines.append(line("UR", cff["repository-code"]))
    if cff.get("doi"):
        lines.append(line("DO", cff["doi"]))
    lines.append(line("N1", _note(edition)))
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


def _fenced(text: str, language: str) -> str:
    # The fence is longer than any run of backticks in the text, so no value can close it early.
    fence = render.fence_for(text)
    return f"{fence}{language}\n{text}{fence}\n"


def cite_box_text(cff: dict, edition: editions.Edition) -> str:
    """The "How to cite this edition" box, as MyST text for both editions."""
    return (
        "::::{admonition} How to cite this edition\n:class: hepmet-cite\n\n"
        "Cite the edition you read: its version, commit and data fingerprint identify exactly "
        "the data and text behind every number.\n\n"
        "BibTeX:\n\n" + _fenced(bibtex(cff, edition), "bibtex") + "\n"
        "RIS:\n\n" + _fenced(ris(cff, edition), "text") + "::::\n"
    )


def cite_box() -> render.Display:
    """The citation of the edition being built (for ``book/index.md``)."""
    deps.record("edition")  # the fingerprint covers every file under data/
    root = paths.data_dir().parent
    text = cite_box_text(read_cff(root), editions.read_edition(root))
    return render.markdown(text, text)
