"""Run a saved query against PubMed through NCBI's E-utilities (Biopython's ``Bio.Entrez``).

One query is one ESearch (``usehistory=y``, JSON reply) that leaves the result set on NCBI's
history server, then EFetch calls of ``batch`` records each (``retstart`` paging, PubMed XML
parsed by ``Entrez.read``). Requests are spaced by ``Bio.Entrez`` itself: at most 3 per second,
10 per second when ``NCBI_API_KEY`` is set in the environment. A reply of HTTP 429 (too many
requests) or 5xx is tried again after a growing pause (``Retry-After`` when the server sends one);
any other HTTP error, and a reply that is not the documented JSON or XML, stops the search with
:class:`SearchError`, whose message says which query and call failed and why.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass
from time import sleep
from urllib.error import HTTPError, URLError

from Bio import Entrez

from figures.intake import Candidate

TOOL = "hepmet-review"
BATCH = 200  # records per EFetch call
RETRIES = 5  # tries of one call on HTTP 429 / 5xx before giving up
BACKOFF_SECONDS = 2.0  # first pause; doubled after each failed try
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
NO_TITLE = "(the PubMed record has no title)"


class SearchError(Exception):
    """A search could not be completed; the message is for people (no traceback)."""


@dataclass(frozen=True)
class QueryResult:
    count: int  # how many records PubMed said the query matched
    records: list[Candidate]


def configure(environ=os.environ) -> bool:
    """Identify the tool to NCBI; the API key (10 requests/s instead of 3) and the contact e-mail
    come from the environment (``NCBI_API_KEY``, ``NCBI_EMAIL``). False when no e-mail is set (the
    caller says so once, instead of Biopython's warning at every request)."""
    Entrez.tool = TOOL
    Entrez.email = environ.get("NCBI_EMAIL") or None
    Entrez.api_key = environ.get("NCBI_API_KEY") or None
    Entrez.max_tries = 1  # our own retries below, with a pause Bio.Entrez does not make for HTTP 429
    if Entrez.email is None:
        warnings.filterwarnings("ignore", message=r"\s*Email address is not specified", category=UserWarning)
    return Entrez.email is not None


def _with_retries(what: str, call):
    """``call()``, tried again on HTTP 429 and 5xx after pauses of 2, 4, 8... seconds."""
    pause = BACKOFF_SECONDS
    for attempt in range(1, RETRIES + 1):
        try:
            return call()
        except HTTPError as err:
            if not (err.code == 429 or 500 <= err.code < 600) or attempt == RETRIES:
                raise SearchError(
                    f"{what}: HTTP {err.code} {err.reason} (after {attempt} tr{'y' if attempt == 1 else 'ies'})"
                ) from None
            retry_after = err.headers.get("Retry-After") if err.headers else None
            sleep(float(retry_after) if retry_after and retry_after.isdigit() else pause)
            pause *= 2
        except URLError as err:
            raise SearchError(f"{what}: NCBI could not be reached ({err.reason})") from None


def _esearch(term: str, mindate: str | None, maxdate: str | None, what: str) -> dict:
    params = {"db": "pubmed", "term": term, "usehistory": "y", "retmax": 0, "retmode": "json"}
    if mindate or maxdate:
        params.update(
            datetype="edat",
            mindate=(mindate or "1800-01-01").replace("-", "/"),
            maxdate=(maxdate or "3000-12-31").replace("-", "/"),
        )

    def call():
        with Entrez.esearch(**params) as handle:
            return handle.read()

    raw = _with_retries(what, call)
    try:
        reply = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SearchError(
            f"{what}: the ESearch reply is not JSON ({err.msg if hasattr(err, 'msg') else err})"
        ) from None
    result = reply.get("esearchresult") if isinstance(reply, dict) else None
    if not isinstance(result, dict):
        message = reply.get("error") if isinstance(reply, dict) else None
        raise SearchError(
            f"{what}: the ESearch reply has no esearchresult" + (f" (NCBI says: {message})" if message else "")
        )
    if "ERROR" in result:
        raise SearchError(f"{what}: NCBI reports an error: {result['ERROR']}")
    try:
        count = int(result["count"])
        webenv, query_key = str(result["webenv"]), str(result["querykey"])
    except (KeyError, TypeError, ValueError) as err:
        raise SearchError(f"{what}: the ESearch reply lacks {err} (count, webenv and querykey are expected)") from None
    return {"count": count, "webenv": webenv, "query_key": query_key}


def _text(value) -> str:
    """Title text without PubMed's inline markup (<i>, <sup>...)."""
    text = "".join(str(part) for part in value) if isinstance(value, list) else str(value)
    return re.sub(r"</?(?:i|b|u|sup|sub)>", "", text)


def _year(article: dict) -> int | None:
    issue = article.get("Journal", {}).get("JournalIssue", {}).get("PubDate", {})
    for key in ("Year", "MedlineDate"):
        text = str(issue.get(key, ""))[:4]
        if text.isdigit():
            return int(text)
    for date in article.get("ArticleDate", []):
        if str(date.get("Year", "")).isdigit():
            return int(date["Year"])
    return None


def _found(entry: dict) -> Candidate:
    citation = entry["MedlineCitation"]
    article = citation["Article"]
    ids = {str(i.attributes.get("IdType")): str(i) for i in entry.get("PubmedData", {}).get("ArticleIdList", [])}
    doi = ids.get("doi") or next(
        (str(e) for e in article.get("ELocationID", []) if e.attributes.get("EIdType") == "doi"), None
    )
    authors = []
    for author in article.get("AuthorList", []):
        if "LastName" in author:
            given = author.get("ForeName") or author.get("Initials")
            authors.append(f"{author['LastName']}, {given}" if given else str(author["LastName"]))
        elif "CollectiveName" in author:
            authors.append(str(author["CollectiveName"]))
    journal = article.get("Journal", {}).get("Title")
    pmid = str(citation["PMID"])
    return Candidate(
        pmid=pmid,
        url=PUBMED_URL.format(pmid=pmid),
        title=" ".join(_text(article.get("ArticleTitle") or article.get("VernacularTitle") or NO_TITLE).split())
        or NO_TITLE,
        year=_year(article),
        doi=doi,
        pmcid=ids.get("pmc"),
        authors=tuple(authors),
        journal=str(journal) if journal else None,
    )


def _efetch(history: dict, retstart: int, retmax: int, what: str) -> list[Candidate]:
    def call():
        with Entrez.efetch(
            db="pubmed",
            rettype="xml",
            retmode="xml",
            webenv=history["webenv"],
            query_key=history["query_key"],
            retstart=retstart,
            retmax=retmax,
        ) as handle:
            return Entrez.read(handle, validate=False)

    where = f"{what}: EFetch of records {retstart + 1}-{retstart + retmax}"
    try:
        parsed = _with_retries(where, call)
        return [_found(entry) for entry in parsed["PubmedArticle"]]
    except SearchError:
        raise
    except Exception as err:  # noqa: BLE001 - Entrez.read raises several kinds on a malformed reply
        raise SearchError(f"{where}: the reply is not PubMed XML ({type(err).__name__}: {err})") from None


def run_query(
    term: str, mindate: str | None = None, maxdate: str | None = None, what: str = "query", batch: int | None = None
) -> QueryResult:
    """Every PubMed record ``term`` matches (entry dates ``mindate``..``maxdate``, ISO, inclusive)."""
    batch = batch or BATCH
    history = _esearch(term, mindate, maxdate, what)
    records: list[Candidate] = []
    for retstart in range(0, history["count"], batch):
        records += _efetch(history, retstart, batch, what)
    if len(records) != history["count"]:
        raise SearchError(
            f"{what}: PubMed reported {history['count']} records but returned {len(records)}; run the search again"
        )
    return QueryResult(history["count"], records)
