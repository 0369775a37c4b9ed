"""Records coming into the review, from a PubMed search or a database export, become a new round.

Each incoming record is compared with what the review already knows, the references
(``data/references/*.bib``) and every record of the earlier rounds, and with the records before it
in the same round:

- the same PMID, or the same DOI (compared without case and without a ``https://doi.org/``
  prefix), is the same work;
- otherwise the titles are normalised (accents, case, punctuation, TeX braces and spacing removed)
  and compared with RapidFuzz's ``fuzz.ratio``; a score of at least :data:`TITLE_THRESHOLD` (out of
  100) with publication years at most one apart (or unknown) is the same work. The threshold lets a
  changed letter, a dash or a British spelling through, and keeps apart two titles that differ by a
  word (docs/SEARCH.md shows examples).

A record that matches a reference or an included record is excluded as ``already-included``; one
that matches another record is excluded as ``duplicate``; the note names what it matched. The same
PMID returned by two queries of one round is one record, listing both queries. Everything else
waits as ``to-screen``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from figures import data_files, screening_log

TITLE_THRESHOLD = 95


@dataclass(frozen=True)
class Candidate:
    """One incoming record, as the search reply or the export shows it (unknown = None)."""

    title: str
    year: int | None = None
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    journal: str | None = None


def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\\[a-z]+|[{}]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def bare_doi(doi: str | None) -> str | None:
    """The DOI without an address or ``doi:`` prefix, as written otherwise."""
    if not doi:
        return None
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I) or None


def normalise_doi(doi: str | None) -> str | None:
    """The DOI for comparison: bare, lower case (DOIs are case-insensitive)."""
    bare = bare_doi(doi)
    return bare.lower() if bare else None


@dataclass
class Known:
    """What the review already holds, by PMID, DOI and normalised title, each with a description."""

    pmids: dict[str, tuple[str, str]] = field(default_factory=dict)  # value: (reason, what it is)
    dois: dict[str, tuple[str, str]] = field(default_factory=dict)
    titles: list[tuple[str, int | None, str, str]] = field(default_factory=list)  # title, year, reason, what

    def add(self, reason: str, what: str, title: str | None, year, pmid: str | None, doi: str | None) -> None:
        if pmid:
            self.pmids.setdefault(str(pmid), (reason, what))
        if normalise_doi(doi):
            self.dois.setdefault(normalise_doi(doi), (reason, what))
        if title and normalise_title(title):
            self.titles.append((normalise_title(title), _year(year), reason, what))

    def match(self, candidate: Candidate) -> tuple[str, str] | None:
        """(reason, what it matched), or None for a record the review has not seen."""
        if candidate.pmid and candidate.pmid in self.pmids:
            return self.pmids[candidate.pmid]
        doi = normalise_doi(candidate.doi)
        if doi and doi in self.dois:
            return self.dois[doi]
        title = normalise_title(candidate.title)
        if not title or not self.titles:
            return None
        hits = process.extract(
            title, [t[0] for t in self.titles], scorer=fuzz.ratio, score_cutoff=TITLE_THRESHOLD, limit=None
        )
        for _, _, index in sorted(hits, key=lambda h: -h[1]):
            _, year, reason, what = self.titles[index]
            if year is None or candidate.year is None or abs(year - candidate.year) <= 1:
                return reason, what
        return None


def _year(value) -> int | None:
    text = str(value or "")[:4]
    return int(text) if text.isdigit() else None


def known_to_review(data_dir: Path, rounds: list[dict]) -> Known:
    """The references and the records of ``rounds``, for :meth:`Known.match`."""
    known = Known()
    for key, entry in data_files.reference_entries(data_dir).entries.items():
        f = entry.fields
        known.add(
            "already-included",
            f"already in the review as reference {key}",
            f.get("title"),
            f.get("year"),
            f.get("pmid"),
            f.get("doi"),
        )
    for round_ in rounds:
        for r in round_["records"]:
            if r["decision"] == "include":
                known.add(
                    "already-included",
                    f"already included as record {r['id']} ({r['study']})",
                    r["title"],
                    r["year"],
                    r["pmid"],
                    r["doi"],
                )
            else:
                known.add(
                    "duplicate",
                    f"same work as record {r['id']} of round {round_['round']}",
                    r["title"],
                    r["year"],
                    r["pmid"],
                    r["doi"],
                )
    return known


def new_round(
    number: int,
    date: str,
    description: str,
    databases: list[dict],
    queries: list[dict],
    found: dict[str, list[Candidate]],
    known: Known,
) -> dict:
    """The round ``number``: its queries (with how many records each returned) and its records.

    ``found`` maps each query id to the records it returned, in order.
    """
    records: list[dict] = []
    by_pmid: dict[str, dict] = {}
    for query in queries:
        for candidate in found.get(query["id"], []):
            if candidate.pmid and candidate.pmid in by_pmid:
                listed = by_pmid[candidate.pmid]["queries"]
                if query["id"] not in listed:
                    listed.append(query["id"])
                continue
            ident = screening_log.record_id(number, len(records) + 1)
            record = {
                "id": ident,
                "queries": [query["id"]],
                "title": " ".join(candidate.title.split()),
                "year": candidate.year,
                "pmid": candidate.pmid,
                "doi": bare_doi(candidate.doi),
                "pmcid": candidate.pmcid,
                "url": candidate.url,
                "decision": "to-screen",
                "reason": None,
                "study": None,
                "note": None,
            }
            if candidate.authors:
                record["authors"] = list(candidate.authors)
            if candidate.journal:
                record["journal"] = candidate.journal
            matched = known.match(candidate)
            if matched:
                record.update(decision="exclude", reason=matched[0], note=matched[1])
            else:
                known.add(
                    "duplicate",
                    f"same work as record {ident} of this round",
                    candidate.title,
                    candidate.year,
                    candidate.pmid,
                    candidate.doi,
                )
            if candidate.pmid:
                by_pmid[candidate.pmid] = record
            records.append(record)
    return {
        "round": number,
        "date": date,
        "description": description,
        "databases": databases,
        "queries": queries,
        "records": records,
    }
