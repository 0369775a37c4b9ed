"""Read records exported by hand from a bibliographic database: PubMed's MEDLINE format (Biopython's
``Bio.Medline``) and RIS (``rispy``; Embase, Scopus, Web of Science and reference managers write
it). Each record becomes an :class:`figures.intake.Candidate` with what the file shows; a field the
file does not carry stays None (RIS exports rarely carry a PMID, so their records are matched by
DOI and title).
"""

from __future__ import annotations

import re
from pathlib import Path

import rispy
from Bio import Medline

from figures.intake import Candidate
from figures.pubmed import PUBMED_URL

FORMATS = ("medline", "ris")


class ExportError(Exception):
    """The file cannot be read as the export format; the message is for people."""


def detect_format(path: Path, text: str) -> str:
    """``ris`` or ``medline``, from the file's first tag (``TY  -`` or ``PMID-``)."""
    for line in text.splitlines():
        if line.strip():
            if re.match(r"^TY {2}- ", line):
                return "ris"
            if re.match(r"^PMID- ", line):
                return "medline"
            break
    raise ExportError(
        f"{path}:1: (file): neither MEDLINE (first line 'PMID- ...') nor RIS (first line 'TY  - ...'); give --format"
    )


def _year(text: str | None) -> int | None:
    match = re.search(r"\b(1[89]|20)\d\d\b", text or "")
    return int(match.group(0)) if match else None


def _tagged(values: list[str], tag: str) -> str | None:
    for value in values:
        if value.strip().endswith(f"[{tag}]"):
            return value.strip()[: -len(tag) - 2].strip()
    return None


def _from_medline(entry: dict) -> Candidate:
    pmid = entry.get("PMID")
    ids = [*entry.get("AID", []), *([entry["LID"]] if entry.get("LID") else [])]
    return Candidate(
        title=" ".join(entry.get("TI", "").split()),
        year=_year(entry.get("DP")),
        pmid=pmid,
        doi=_tagged(ids, "doi"),
        pmcid=entry.get("PMC"),
        url=PUBMED_URL.format(pmid=pmid) if pmid else None,
        authors=tuple(entry.get("FAU") or entry.get("AU") or ()),
        journal=entry.get("JT"),
    )


def _from_ris(entry: dict) -> Candidate:
    urls = entry.get("urls") or []
    return Candidate(
        title=" ".join((entry.get("title") or entry.get("primary_title") or "").split()),
        year=_year(entry.get("year") or entry.get("publication_year") or entry.get("date")),
        doi=(entry.get("doi") or "").strip() or None,
        url=urls[0] if urls and re.match(r"^https?://", urls[0]) else None,
        authors=tuple(entry.get("authors") or entry.get("first_authors") or ()),
        journal=entry.get("secondary_title") or entry.get("journal_name") or entry.get("alternate_title1"),
    )


def read_export(path: Path, export_format: str | None = None) -> tuple[str, list[Candidate]]:
    """The format and the records of ``path``; a record without a title is an error (with its line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ExportError(f"{path}:1: (file): not UTF-8 text ({err.reason} at byte {err.start})") from None
    export_format = export_format or detect_format(path, text)
    try:
        if export_format == "medline":
            entries = [dict(e) for e in Medline.parse(text.splitlines(keepends=True))]
            candidates = [_from_medline(e) for e in entries]
            starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.startswith("PMID-")]
        else:
            entries = rispy.loads(text)
            candidates = [_from_ris(e) for e in entries]
            starts = [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"^TY {2}- ", line)]
    except (OSError, ValueError, KeyError) as err:
        raise ExportError(f"{path}:1: (file): not a {export_format.upper()} export ({err})") from None
    if not candidates:
        raise ExportError(f"{path}:1: (file): no record found in this {export_format.upper()} file")
    for index, candidate in enumerate(candidates):
        if not candidate.title:
            line = starts[index] if index < len(starts) else 1
            raise ExportError(
                f"{path}:{line}: record {index + 1}: no title (tag "
                f"{'TI' if export_format == 'medline' else 'TI or T1'})"
            )
    return export_format, candidates
