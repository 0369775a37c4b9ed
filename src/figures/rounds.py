"""What ``hepmet search``, ``hepmet import`` and ``hepmet screen`` do to the screening log.

A search or an import adds one round (every record de-duplicated, see :mod:`figures.intake`); a
decision changes one record of a round. Each writes through :func:`figures.screening_log.write_round`:
checked first, then written atomically, so a failure leaves the log as it was.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from figures import data_files, exports, intake, pubmed, screening_log

PUBMED = "PubMed, through NCBI's E-utilities (ESearch and EFetch)"
TITLE_STOPWORDS = frozenset("a an the of on in for and to with from at by is are after as".split())


def _last_run(rounds: list[dict], query_id: str) -> str | None:
    dates = [q["date"] for r in rounds for q in r["queries"] if q["id"] == query_id]
    return max(dates) if dates else None


def search_round(data_dir: Path, date: str, only: list[str] | None = None, progress=print) -> Path:
    """Run the saved searches (all, or those named in ``only``) and append their round.

    Each query asks PubMed for records published from its ``published_from`` year and, when the
    query ran in an earlier round, only for records PubMed added (entry date) since that run.
    """
    saved = data_files.saved_searches(data_dir)
    unknown = sorted(set(only or []) - {s["id"] for s in saved})
    if unknown:
        raise screening_log.ScreeningLogError(
            [f"data/searches.yaml: no saved search {', '.join(unknown)} (known: {', '.join(s['id'] for s in saved)})"]
        )
    rounds = screening_log.load_rounds(data_dir)
    if not pubmed.configure():
        progress("NCBI asks every E-utilities user for a contact e-mail: set NCBI_EMAIL")
    queries, found = [], {}
    for search in saved:
        if only and search["id"] not in only:
            continue
        term = " ".join(search["text"].split())
        if search["published_from"] is not None:
            term = f"({term}) AND {search['published_from']}:3000[dp]"
        since = _last_run(rounds, search["id"])
        result = pubmed.run_query(
            term, mindate=since, maxdate=date if since else None, what=f"saved search {search['id']}"
        )
        progress(f"{search['id']}: {result.count} record(s)" + (f" added since {since}" if since else ""))
        run_in = PUBMED + (f"; entry dates {since} to {date}" if since else "")
        queries.append(
            {
                "id": search["id"],
                "topic": search["topic"],
                "text": term,
                "run_in": run_in,
                "date": date,
                "records": result.count,
            }
        )
        found[search["id"]] = result.records
    number = len(rounds) + 1
    round_ = intake.new_round(
        number,
        date,
        f"Saved searches of data/searches.yaml run against PubMed by `hepmet search` ({len(queries)} "
        f"quer{'y' if len(queries) == 1 else 'ies'}).",
        [{"name": "PubMed (MEDLINE and PubMed-only records)", "kind": "database", "note": None}],
        queries,
        found,
        intake.known_to_review(data_dir, rounds),
    )
    return screening_log.append_round(data_dir, round_)


def import_round(
    data_dir: Path,
    path: Path,
    date: str,
    export_format: str | None,
    database: str | None,
    query_text: str | None,
    topic: str,
) -> Path:
    """Append a round holding the records of a database export (MEDLINE or RIS)."""
    export_format, candidates = exports.read_export(path, export_format)
    rounds = screening_log.load_rounds(data_dir)
    database = database or ("PubMed" if export_format == "medline" else "a database export (RIS)")
    stem = re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-")
    query = {
        "id": f"import-{stem}" if stem and stem[0].isalpha() else f"import-file-{stem}".rstrip("-"),
        "topic": topic,
        "text": query_text or f"not given: records exported by hand from {database}",
        "run_in": f"{database}, exported as {export_format.upper()} ({Path(path).name})",
        "date": date,
        "records": len(candidates),
    }
    number = len(rounds) + 1
    round_ = intake.new_round(
        number,
        date,
        f"Records exported by hand from {database} and read by `hepmet import`.",
        [{"name": database, "kind": "database", "note": None}],
        [query],
        {query["id"]: candidates},
        intake.known_to_review(data_dir, rounds),
    )
    return screening_log.append_round(data_dir, round_)


def awaiting(rounds: list[dict]) -> list[dict]:
    """The records still to screen, oldest round first."""
    return [r for round_ in rounds for r in round_["records"] if r["decision"] == "to-screen"]


def decide(
    data_dir: Path,
    ident: str,
    decision: str,
    reason: str | None = None,
    study: str | None = None,
    note: str | None = None,
) -> dict:
    """Record a decision on one record (written atomically); the changed record.

    The whole log is checked before anything is written: an exclusion needs a reason code, an
    inclusion a study key with a study file.
    """
    rounds = screening_log.load_rounds(data_dir)
    try:
        round_, record = screening_log.find_record(rounds, ident)
    except KeyError:
        raise screening_log.ScreeningLogError(
            [f"{ident}: no such record in data/screening/ (ids look like r2-001)"]
        ) from None
    record.update(
        decision=decision,
        reason=reason if decision == "exclude" else None,
        study=study if decision == "include" else None,
    )
    if note is not None:
        record["note"] = note
    screening_log.write_round(data_dir, round_)
    return record


def citation_key(record: dict) -> str | None:
    """The citation key a record suggests: first author's family name, year, first title word."""
    if not record.get("authors") or record.get("year") is None:
        return None
    family = record["authors"][0].split(",")[0].split(" ")[0]
    family = "".join(ch for ch in unicodedata.normalize("NFKD", family).lower() if ch.isascii() and ch.isalpha())
    words = [w for w in intake.normalise_title(record["title"]).split() if w not in TITLE_STOPWORDS and w.isalpha()]
    if not family or not words:
        return None
    return f"{family}{record['year']}{words[0]}"
