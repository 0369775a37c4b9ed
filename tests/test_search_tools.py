"""The screening log and the commands that feed it: ``hepmet search``, ``import``, ``screen``,
``new-study --from-record``, and the PRISMA flow they fill in.

No network: NCBI's replies are the files of tests/fixtures/eutils/ (see its README), served by a
stand-in for ``urlopen`` inside ``Bio.Entrez``. Each test works on a copy of the project's data.
"""

from __future__ import annotations

import email.message
import io
import json
import re
import shutil
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from Bio import Entrez

from figures import cli, intake, prisma, pubmed, rounds, screening_log, validate

REPO = Path(__file__).resolve().parents[1]
EUTILS = REPO / "tests" / "fixtures" / "eutils"
EXPORTS = REPO / "tests" / "fixtures" / "exports"
FIXTURE_ROUND = REPO / "tests" / "fixtures" / "screening" / "round-2.yaml"
DATE = "2026-12-03"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's data (references, saved searches) whose screening log holds only
    round 1, the starting set, with the study files that round includes: a log the tests control,
    however many rounds the real log has grown since."""
    root = tmp_path / "review"
    (root / "data" / "screening").mkdir(parents=True)
    (root / "data" / "studies").mkdir()
    (root / "_config.yml").write_text("title: search tools test\n", encoding="utf-8")
    shutil.copytree(REPO / "data" / "references", root / "data" / "references")
    shutil.copy(REPO / "data" / "screening" / "round-1.yaml", root / "data" / "screening" / "round-1.yaml")
    shutil.copy(REPO / "data" / "searches.yaml", root / "data" / "searches.yaml")
    for study in round_one_studies():
        shutil.copy(REPO / "data" / "studies" / f"{study}.yaml", root / "data" / "studies" / f"{study}.yaml")
    return root


def round_one_studies() -> list[str]:
    """The studies included in round 1 of the real log, in log order."""
    first = yaml.safe_load((REPO / "data" / "screening" / "round-1.yaml").read_text(encoding="utf-8"))
    return [r["study"] for r in first["records"] if r["decision"] == "include"]


def log_bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data" / "screening").iterdir())}


def hepmet(root: Path, *args: str) -> int:
    return cli.main(["--root", str(root), *args])


class Reply(io.BytesIO):
    """What ``urlopen`` returns: a byte stream with headers and the address asked for."""

    def __init__(self, body: bytes, content_type: str, url: str):
        super().__init__(body)
        self.headers = email.message.Message()
        self.headers["Content-Type"] = content_type
        self.url = url


class FakeNCBI:
    """Stands in for ``urlopen``: serves the queued replies in order and records every request.

    A reply is a fixture file name, or ``(status, file, headers)`` for an HTTP error.
    """

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests: list[dict] = []

    def __call__(self, request):
        url = request.full_url
        query = parse_qs(request.data.decode() if request.data else urlparse(url).query)
        self.requests.append({"cgi": urlparse(url).path.rsplit("/", 1)[-1], **{k: v[0] for k, v in query.items()}})
        reply = self.replies.pop(0)
        if isinstance(reply, tuple):
            status, name, headers = reply
            message = email.message.Message()
            for key, value in headers.items():
                message[key] = value
            raise HTTPError(
                url,
                status,
                "Too Many Requests" if status == 429 else "Server Error",
                message,
                io.BytesIO((EUTILS / name).read_bytes()),
            )
        kind = "application/json" if reply.endswith(".json") else "text/xml"
        return Reply((EUTILS / reply).read_bytes(), kind, url)


@pytest.fixture
def ncbi(monkeypatch):
    """Install a FakeNCBI (call ``ncbi(*replies)``); pauses are recorded, not slept."""
    pauses = {"retry": [], "rate": []}
    monkeypatch.setattr(pubmed, "sleep", pauses["retry"].append)
    monkeypatch.setattr(Entrez.time, "sleep", pauses["rate"].append)
    monkeypatch.delenv("NCBI_API_KEY", raising=False)

    def install(*replies):
        fake = FakeNCBI(*replies)
        fake.pauses = pauses
        monkeypatch.setattr(Entrez, "urlopen", fake)
        return fake

    return install


# --- the log: loading, checking, counting -------------------------------------------------------


def test_round_one_holds_one_included_record_per_study_of_the_dataset():
    (first, *later) = screening_log.load_rounds(REPO / "data")
    studies = {p.stem for p in (REPO / "data" / "studies").glob("*.yaml")}
    logged = [r["study"] for r in first["records"] if r["decision"] == "include"]
    # Round 1 is the starting set: one record per study it brought in, each with a study file;
    # the studies it did not bring in are exactly those a later round included.
    later_included = {r["study"] for round_ in later for r in round_["records"] if r["decision"] == "include"}
    assert logged and len(logged) == len(set(logged)) and set(logged) <= studies
    assert studies - set(logged) == later_included - set(logged)
    assert first["round"] == 1 and first["queries"] == []
    assert {d["kind"] for d in first["databases"]} == {"reference-list", "supplied-documents"}


def test_every_included_record_has_a_study_file_and_every_study_a_record():
    log = screening_log.load_rounds(REPO / "data")
    included = {r["study"] for round_ in log for r in round_["records"] if r["decision"] == "include"}
    studies = {p.stem for p in (REPO / "data" / "studies").glob("*.yaml")}
    assert included == studies


def test_the_schema_lists_exactly_the_reason_codes_that_have_words():
    schema = json.loads(
        (REPO / "src" / "figures" / "schema" / "screening-round.schema.json").read_text(encoding="utf-8")
    )
    codes = schema["properties"]["records"]["items"]["properties"]["reason"]["enum"]
    assert [c for c in codes if c is not None] == list(screening_log.REASONS)


def test_a_hand_written_round_loads_and_counts(project):
    shutil.copy(FIXTURE_ROUND, project / "data" / "screening" / "round-2.yaml")
    log = screening_log.load_rounds(project / "data")
    counts = screening_log.prisma_counts(log[1])
    # Counted by hand in the fixture: 7 records; r2-002 duplicate and r2-003 already-included are
    # removed; r2-004 (adult-only) and r2-005 (review) excluded; r2-006 to screen; r2-001 and r2-007 included.
    assert (counts.identified, counts.removed, counts.screened) == (7, 2, 5)
    assert (counts.excluded, counts.awaiting, counts.included) == (2, 1, 2)
    assert counts.excluded_by_reason == {"adult-only": 1, "review-or-editorial": 1}
    assert counts.removed_by_reason == {"already-included": 1, "duplicate": 1}


BAD_ROUNDS = [
    ("records[0].id", "r3-001", "id: 'r3-001' belongs to another round"),
    ("records[3].reason", None, "reason: an excluded record needs a reason code"),
    ("records[5].reason", "other", "reason: only an excluded record has a reason"),
    ("records[0].study", "nosuch2020study", "study: 'nosuch2020study' has no study file"),
    ("records[4].queries", ["wt-2"], "queries: 'wt-2' is not a query of this round"),
    ("records[1].id", "r2-001", "id: duplicate record id 'r2-001'"),
    ("records[2].decision", "maybe", 'decision: "maybe" is not a known code'),
    ("round", 3, "round: 3 differs from the file name"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_ROUNDS)
def test_a_wrong_round_is_reported_at_its_line(project, field, value, message):
    round_ = yaml.safe_load(FIXTURE_ROUND.read_text(encoding="utf-8"))
    target = round_
    parts = field.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    target[parts[-1]] = value
    path = project / "data" / "screening" / "round-2.yaml"
    path.write_text(screening_log.dump_round(round_), encoding="utf-8")
    with pytest.raises(screening_log.ScreeningLogError) as caught:
        screening_log.load_rounds(project / "data")
    (problem,) = [p for p in caught.value.problems if message in p]
    assert problem.startswith("data/screening/round-2.yaml:")
    line = int(problem.split(":")[1])
    key = parts[-1] if not parts[-1].isdigit() else parts[-2]
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].lstrip("- ").startswith(f"{key}:")


def test_the_dataset_validator_reports_the_log_too(project):
    (project / "data" / "screening" / "round-3.yaml").write_text("round: 3\n", encoding="utf-8")
    (project / "data" / "screening" / "notes.txt").write_text("x", encoding="utf-8")
    problems = validate.validate_dataset(project / "data")
    assert "data/screening/notes.txt:1: (file): not a round file: a round is data/screening/round-<N>.yaml" in problems
    assert (
        "data/screening/round-3.yaml:1: date: missing (a required field; write null when the source does not report it)"
        in problems
    )
    assert any(p.startswith("data/screening/round-3.yaml:1: round: 3 leaves a gap") for p in problems)


# --- search --------------------------------------------------------------------------------------


def test_search_pages_through_batches_and_appends_a_deduplicated_round(project, ncbi, monkeypatch):
    monkeypatch.setattr(pubmed, "BATCH", 2)
    fake = ncbi("esearch-three.json", "efetch-batch-1.xml", "efetch-batch-2.xml")
    assert hepmet(project, "search", "--only", "wt-liver", "--date", DATE) == 0
    search, first, second = fake.requests
    assert search["cgi"] == "esearch.fcgi" and search["usehistory"] == "y" and search["retmode"] == "json"
    assert "2015:3000[dp]" in search["term"] and "mindate" not in search  # first run: no entry-date limit
    assert [(r["cgi"], r["retstart"], r["retmax"]) for r in (first, second)] == [
        ("efetch.fcgi", "0", "2"),
        ("efetch.fcgi", "2", "2"),
    ]
    assert {r["webenv"] for r in (first, second)} == {"MCID_fixture_history_1"} and {
        r["query_key"] for r in (first, second)
    } == {"1"}
    new = screening_log.load_rounds(project / "data")[1]
    assert new["round"] == 2 and new["date"] == DATE
    (query,) = new["queries"]
    assert (query["id"], query["topic"], query["records"]) == ("wt-liver", "wt", 3)
    a, ehrlich, c = new["records"]
    assert (a["id"], a["decision"], a["pmid"], a["doi"], a["pmcid"], a["year"]) == (
        "r2-001",
        "to-screen",
        "99999901",
        "10.5555/fixture.0001",
        "PMC99999901",
        2024,
    )
    assert (
        a["authors"] == ["Zzfixture, Ada", "Yyexample, Ben"] and a["url"] == "https://pubmed.ncbi.nlm.nih.gov/99999901/"
    )
    assert (ehrlich["decision"], ehrlich["reason"]) == (
        "exclude",
        "already-included",
    ) and "ehrlich2009hepatic" in ehrlich["note"]
    assert (
        c["title"] == "Fixture record C: hepatic metastases of Wilms tumour in a registry (fictional)."
        and c["year"] == 2025
    )


def test_a_second_search_asks_only_for_records_added_since_the_first(project, ncbi, monkeypatch):
    monkeypatch.setattr(pubmed, "BATCH", 2)
    ncbi("esearch-three.json", "efetch-batch-1.xml", "efetch-batch-2.xml")
    assert hepmet(project, "search", "--only", "wt-liver", "--date", DATE) == 0
    fake = ncbi("esearch-three.json", "efetch-batch-1.xml", "efetch-batch-2.xml")
    assert hepmet(project, "search", "--only", "wt-liver", "--date", "2027-01-03") == 0
    assert (fake.requests[0]["datetype"], fake.requests[0]["mindate"], fake.requests[0]["maxdate"]) == (
        "edat",
        "2026/12/03",
        "2027/01/03",
    )
    third = screening_log.load_rounds(project / "data")[2]
    # Found again: the two fixture records are duplicates of round 2's, Ehrlich is in the review.
    assert [(r["decision"], r["reason"]) for r in third["records"]] == [
        ("exclude", "duplicate"),
        ("exclude", "already-included"),
        ("exclude", "duplicate"),
    ]
    assert third["records"][0]["note"] == "same work as record r2-001 of round 2"


def test_an_empty_result_is_a_round_with_nothing_to_screen(project, ncbi):
    fake = ncbi("esearch-empty.json")
    assert hepmet(project, "search", "--only", "os-liver", "--date", DATE) == 0
    assert [r["cgi"] for r in fake.requests] == ["esearch.fcgi"]  # nothing to fetch
    new = screening_log.load_rounds(project / "data")[1]
    assert new["queries"][0]["records"] == 0 and new["records"] == []
    assert screening_log.prisma_counts(new) == screening_log.PrismaCounts(0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("replies", "message"),
    [
        (
            ["esearch-error.json"],
            "saved search wt-liver: NCBI reports an error: Empty term and query_key - nothing todo",
        ),
        (["efetch-truncated.xml"], "saved search wt-liver: the ESearch reply is not JSON"),
        (
            ["esearch-three.json", "efetch-truncated.xml"],
            "saved search wt-liver: EFetch of records 1-200: the reply is not PubMed XML",
        ),
        (
            ["esearch-three.json", "efetch-batch-2.xml"],
            "saved search wt-liver: PubMed reported 3 records but returned 1",
        ),
        ([(400, "rate-limited.json", {})], "saved search wt-liver: HTTP 400 Server Error (after 1 try)"),
    ],
)
def test_a_malformed_or_error_reply_stops_the_search_and_writes_nothing(project, ncbi, capsys, replies, message):
    before = log_bytes(project)
    ncbi(*replies)
    assert hepmet(project, "search", "--only", "wt-liver", "--date", DATE) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert "nothing was written; the screening log is as it was" in err
    assert log_bytes(project) == before


def test_a_rate_limit_reply_is_tried_again_after_a_pause(project, ncbi):
    fake = ncbi((429, "rate-limited.json", {"Retry-After": "3"}), (503, "rate-limited.json", {}), "esearch-empty.json")
    assert hepmet(project, "search", "--only", "os-liver", "--date", DATE) == 0
    assert [r["cgi"] for r in fake.requests] == ["esearch.fcgi"] * 3
    assert fake.pauses["retry"] == [3.0, 4.0]  # the server's Retry-After, then the doubled backoff


def test_a_reply_that_keeps_failing_gives_up_with_a_message(project, ncbi, capsys):
    fake = ncbi(*[(500, "rate-limited.json", {})] * pubmed.RETRIES)
    assert hepmet(project, "search", "--only", "os-liver", "--date", DATE) == 1
    assert len(fake.requests) == pubmed.RETRIES and fake.pauses["retry"] == [2.0, 4.0, 8.0, 16.0]
    assert "HTTP 500 Server Error (after 5 tries)" in capsys.readouterr().err


def test_the_api_key_comes_from_the_environment_and_raises_the_rate(project, ncbi, monkeypatch):
    fake = ncbi("esearch-empty.json", "esearch-empty.json")
    monkeypatch.setattr(Entrez.time, "time", lambda: 1000.0)  # a clock that stands still
    Entrez._open.previous = 1000.0  # the last request "just now": the next one must wait
    assert hepmet(project, "search", "--only", "os-liver", "--date", DATE) == 0
    monkeypatch.setenv("NCBI_API_KEY", "fixture-key")
    Entrez._open.previous = 1000.0
    assert hepmet(project, "search", "--only", "os-liver", "--date", "2026-12-04") == 0
    assert "api_key" not in fake.requests[0] and fake.requests[1]["api_key"] == "fixture-key"
    assert fake.pauses["rate"] == pytest.approx([0.37, 0.1])  # 3 requests a second, 10 with a key


def test_an_unknown_saved_search_is_named(project, capsys):
    assert hepmet(project, "search", "--only", "nosuch") == 1
    assert "no saved search nosuch" in capsys.readouterr().err


def test_a_broken_saved_search_file_is_reported_at_its_line(project, capsys):
    path = project / "data" / "searches.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("topic: os", "topic: bone", 1), encoding="utf-8")
    assert hepmet(project, "search") == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(number for number, text in enumerate(lines, 1) if "topic: bone" in text)
    err = capsys.readouterr().err
    assert f'data/searches.yaml:{line}: [4].topic: "bone" is not a known code (known: nb, wt, ' in err
    assert re.search(r"\[4\]\.topic: .*known: [^)]*\bgeneral\)", err), "the message lists general among the codes"


# --- de-duplication ------------------------------------------------------------------------------


def test_titles_match_after_normalisation_and_only_above_the_threshold():
    known = intake.Known()
    known.add(
        "already-included", "ref", "Hepatic metastases in {Wilms} tumor: a cooperative-group report", 2010, None, None
    )
    same = intake.Candidate("Hepatic metastases in Wilms tumour - a cooperative group report.", year=2011)
    other_year = intake.Candidate("Hepatic metastases in Wilms tumour - a cooperative group report.", year=2014)
    other_work = intake.Candidate("Pulmonary metastases in Wilms tumor: a cooperative-group report", year=2010)
    assert known.match(same) == ("already-included", "ref")
    assert known.match(other_year) is None and known.match(other_work) is None


def test_doi_matches_without_case_or_address():
    known = intake.Known()
    known.add("duplicate", "r2-001", None, None, None, "10.5555/Fixture.0001")
    assert known.match(intake.Candidate("anything", doi="https://doi.org/10.5555/FIXTURE.0001")) == (
        "duplicate",
        "r2-001",
    )


# --- import --------------------------------------------------------------------------------------


def test_import_of_a_medline_export(project):
    assert hepmet(project, "import", str(EXPORTS / "pubmed-export.txt"), "--date", DATE) == 0
    new = screening_log.load_rounds(project / "data")[1]
    (query,) = new["queries"]
    assert (query["id"], query["records"], query["topic"]) == ("import-pubmed-export", 4, "general")
    assert "PubMed, exported as MEDLINE (pubmed-export.txt)" == query["run_in"]
    m1, ehrlich, m3, m4 = new["records"]
    assert (m1["pmid"], m1["doi"], m1["pmcid"], m1["year"], m1["decision"]) == (
        "99999911",
        "10.5555/fixture.0011",
        "PMC99999911",
        2023,
        "to-screen",
    )
    assert m1["title"].endswith("germ cell tumours (fictional).")  # continuation line joined
    assert (ehrlich["decision"], ehrlich["reason"]) == ("exclude", "already-included")
    assert (m3["year"], m3["doi"], m4["year"]) == (2024, None, 2022)


def test_import_of_a_ris_export_after_a_search(project, ncbi, monkeypatch):
    monkeypatch.setattr(pubmed, "BATCH", 2)
    ncbi("esearch-three.json", "efetch-batch-1.xml", "efetch-batch-2.xml")
    assert hepmet(project, "search", "--only", "wt-liver", "--date", DATE) == 0
    assert (
        hepmet(
            project,
            "import",
            str(EXPORTS / "embase-export.ris"),
            "--database",
            "Embase",
            "--query",
            "fixture query",
            "--date",
            DATE,
        )
        == 0
    )
    new = screening_log.load_rounds(project / "data")[2]
    ehrlich, r2, a = new["records"]
    assert (ehrlich["decision"], ehrlich["reason"]) == (
        "exclude",
        "already-included",
    )  # by title: no identifier in the RIS
    assert (r2["decision"], r2["doi"], r2["pmid"]) == ("to-screen", "10.5555/fixture.0022", None)
    assert (a["reason"], a["doi"], a["note"]) == (
        "duplicate",
        "10.5555/FIXTURE.0001",
        "same work as record r2-001 of round 2",
    )
    assert new["databases"] == [{"name": "Embase", "kind": "database", "note": None}]
    assert new["queries"][0]["text"] == "fixture query"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\n", "export.txt:1: (file): neither MEDLINE"),
        ("PMID- 1\nDP  - 2020\n", "export.txt:1: record 1: no title"),
    ],
)
def test_an_unreadable_export_is_refused_with_its_line(project, tmp_path, capsys, text, message):
    before = log_bytes(project)
    path = tmp_path / "export.txt"
    path.write_text(text, encoding="utf-8")
    assert hepmet(project, "import", str(path)) == 1
    assert message in capsys.readouterr().err
    assert log_bytes(project) == before


# --- screening -----------------------------------------------------------------------------------


def imported(project) -> dict:
    assert hepmet(project, "import", str(EXPORTS / "pubmed-export.txt"), "--date", DATE) == 0
    return screening_log.load_rounds(project / "data")[1]


def test_a_screening_session_with_decisions_on_the_command_line(project, capsys):
    imported(project)
    assert hepmet(project, "screen", "--list") == 0
    listed = capsys.readouterr().out
    assert [line.split()[0] for line in listed.splitlines() if line.startswith("r")] == ["r2-001", "r2-003", "r2-004"]
    assert hepmet(project, "screen", "--decide", "r2-003", "exclude", "--reason", "adult-only") == 0
    assert hepmet(project, "new-study", "--from-record", "r2-001") == 0
    assert (project / "data" / "studies" / "xxsample2023fixture.yaml").is_file()
    assert hepmet(project, "screen", "--decide", "r2-001", "include", "--study", "xxsample2023fixture") == 0
    records = {r["id"]: r for r in screening_log.load_rounds(project / "data")[1]["records"]}
    assert (records["r2-003"]["decision"], records["r2-003"]["reason"]) == ("exclude", "adult-only")
    assert (records["r2-001"]["decision"], records["r2-001"]["study"]) == ("include", "xxsample2023fixture")
    assert records["r2-004"]["decision"] == "to-screen"


def test_new_study_from_a_record_prefills_the_reference(project):
    imported(project)
    assert hepmet(project, "new-study", "--from-record", "r2-001") == 0
    bib = (project / "data" / "references" / "xxsample2023fixture.bib").read_text(encoding="utf-8")
    assert "author       = {Xxsample, Carla and Wwexample, Dan}" in bib
    assert "pmid         = {99999911}" in bib and "doi          = {10.5555/fixture.0011}" in bib
    assert "x-source     = {https://pubmed.ncbi.nlm.nih.gov/99999911/}" in bib
    assert "x-confidence = {recalled}" in bib  # until somebody checks it against the paper
    study = yaml.safe_load((project / "data" / "studies" / "xxsample2023fixture.yaml").read_text(encoding="utf-8"))
    assert (study["citation"], study["label"]) == ("xxsample2023fixture", "Xxsample 2023")
    assert not [p for p in validate.validate_dataset(project / "data") if "references/xxsample2023fixture.bib" in p]


def test_an_interactive_session_at_a_terminal(project, monkeypatch, capsys):
    imported(project)
    (project / "data" / "studies" / "fixture2024case.yaml").write_text("citation: fixture2024case\n", encoding="utf-8")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    # r2-001: exclude, first with an unknown code; r2-003: include as fixture2024case; r2-004: skip.
    monkeypatch.setattr("sys.stdin", Terminal("e\nnonsense\nwrong-population\ni\nfixture2024case\ns\n"))
    assert hepmet(project, "screen") == 0
    out = capsys.readouterr().out
    assert "[1/3] r2-001" in out and "one of:" in out
    records = {r["id"]: r for r in screening_log.load_rounds(project / "data")[1]["records"]}
    assert (records["r2-001"]["decision"], records["r2-001"]["reason"]) == ("exclude", "wrong-population")
    assert (records["r2-003"]["decision"], records["r2-003"]["study"]) == ("include", "fixture2024case")
    assert records["r2-004"]["decision"] == "to-screen"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--decide", "r2-001", "include", "--study", "nosuch2020study"], "'nosuch2020study' has no study file"),
        (["--decide", "r9-001", "exclude", "--reason", "other"], "r9-001: no such record"),
    ],
)
def test_a_refused_decision_leaves_the_log_byte_identical(project, capsys, args, message):
    imported(project)
    before = log_bytes(project)
    assert hepmet(project, "screen", *args) == 1
    assert message in capsys.readouterr().err
    assert log_bytes(project) == before


def test_a_failed_write_leaves_the_log_byte_identical(project, monkeypatch):
    imported(project)
    before = log_bytes(project)

    def broken_rename(source, target):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(screening_log.os, "replace", broken_rename)
    with pytest.raises(OSError):
        rounds.decide(project / "data", "r2-001", "exclude", "other")
    assert log_bytes(project) == before  # and no temporary file is left behind


def test_a_decision_with_an_unknown_reason_code_is_refused_by_the_log(project):
    imported(project)
    before = log_bytes(project)
    with pytest.raises(screening_log.ScreeningLogError) as caught:
        rounds.decide(project / "data", "r2-001", "exclude", "too-long")
    assert any('records[0].reason: "too-long" is not a known code' in p for p in caught.value.problems)
    assert log_bytes(project) == before


# --- PRISMA from the log -------------------------------------------------------------------------


def test_prisma_of_a_round_fed_by_import_and_finished_by_screen(project):
    imported(project)
    (project / "data" / "studies" / "fixture2024case.yaml").write_text("citation: fixture2024case\n", encoding="utf-8")
    assert hepmet(project, "screen", "--decide", "r2-001", "exclude", "--reason", "wrong-population") == 0
    assert hepmet(project, "screen", "--decide", "r2-003", "include", "--study", "fixture2024case") == 0
    log = screening_log.load_rounds(project / "data")
    # By hand: 4 records imported; Ehrlich 2009 (r2-002) is in the review already and removed;
    # 3 screened: r2-001 excluded, r2-003 included, r2-004 still to screen. Round 1 included 23.
    counts = screening_log.prisma_counts(log[1])
    assert (counts.identified, counts.removed, counts.screened, counts.excluded, counts.awaiting, counts.included) == (
        4,
        1,
        3,
        1,
        1,
        1,
    )
    text = prisma.description(log, studies_on_file=24)
    assert "Studies included in the previous edition (1 earlier round): n = 23." in text
    assert "Records identified (round 2, 2026-12-03): n = 4" in text
    assert "Records removed before screening: n = 1 \u2022 already in the review: 1." in text
    assert "Records screened: n = 3 \u2022 still awaiting a decision: 1." in text
    assert "Records excluded: n = 1 \u2022 wrong population: 1." in text
    assert "New studies included in this round: n = 1." in text
    assert "Studies in the review (study files): n = 24." in text


def test_prisma_of_the_starting_set_explains_its_sources(project):
    log = screening_log.load_rounds(project / "data")
    text = prisma.description(log, studies_on_file=23)
    assert "No previous edition" in text and "Records identified (round 1, 2026-11-25): n = 23" in text
    assert "reference list of the source review (Fernandez-Pineda et al. 2015): 114 entries" in text
    assert "only the 23 records logged one by one are counted" in text
    assert "not known" not in text


def test_the_last_search_is_the_date_of_the_latest_round(project):
    assert screening_log.last_search_date(project / "data") == "2026-11-25"
    assert hepmet(project, "import", str(EXPORTS / "pubmed-export.txt"), "--date", DATE) == 0
    assert screening_log.last_search_date(project / "data") == DATE


def test_prisma_of_the_real_log_adds_up_and_keeps_its_words_whole():
    # However many rounds the real log holds: the previous edition is every earlier round's
    # inclusions, the latest round adds its own, and together they are the study files.
    log = screening_log.load_rounds(REPO / "data")
    files = len(list((REPO / "data" / "studies").glob("*.yaml")))
    text = prisma.description(log, studies_on_file=files)
    latest = log[-1]
    counts = screening_log.prisma_counts(latest)
    assert f"Records identified (round {latest['round']}, {latest['date']}): n = {counts.identified}" in text
    assert f"Studies in the review (study files): n = {files}." in text
    if len(log) > 1:
        earlier = sum(1 for round_ in log[:-1] for r in round_["records"] if r["decision"] == "include")
        assert f"previous edition ({len(log) - 1} earlier round{'s' if len(log) > 2 else ''}): n = {earlier}." in text
        assert f"New studies included in this round: n = {counts.included}." in text
        assert earlier + counts.included == files
    # The diagram wraps its lines; the sentence joins them again and must not split a hyphenated word.
    assert not re.search(r"\w- \w", text), re.findall(r"\w+- \w+", text)


def test_the_last_search_of_the_real_log_is_its_latest_round_date():
    dates = [
        yaml.safe_load(p.read_text(encoding="utf-8"))["date"]
        for p in (REPO / "data" / "screening").glob("round-*.yaml")
    ]
    assert screening_log.last_search_date(REPO / "data") == str(max(str(d) for d in dates))
