"""The GitHub workflows, the issue form and the proposal conversion.

zizmor (security audit, offline) and actionlint (syntax and expressions) run on .github/; a few
rules of the project are checked directly: every action pinned to a commit, least permissions per
job, checkouts that keep no credentials, and no event text expanded inside a shell script.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from figures import proposal, screening_log, validate

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ISSUES = REPO / "tests" / "fixtures" / "issues"
BIN = Path(sys.executable).parent


def _workflow(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # "on" stays a key


def test_zizmor_finds_nothing_high_or_medium():
    result = subprocess.run([str(BIN / "zizmor"), "--offline", "--min-severity", "medium", "--format", "plain", ".github/"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_actionlint_accepts_every_workflow():
    result = subprocess.run([str(BIN / "actionlint"), "-no-color"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.stem for p in WORKFLOWS])
def test_a_workflow_pins_actions_and_grants_permissions_per_job(path):
    workflow = _workflow(path)
    assert workflow["permissions"] == {}, "top-level permissions: {} (each job asks for what it needs)"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} declares its permissions"
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{uses}: pin to a full commit SHA"
            if uses and uses.startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") == "false"
            assert "github.event" not in step.get("run", ""), "event text goes through env:, never into run:"


def test_the_issue_form_asks_for_every_field_the_parser_reads():
    ids = set(proposal.form_labels(REPO).values())
    read = set(re.findall(r"""fields\[["'](\w+)["']\]""", inspect.getsource(proposal.study_and_reference)))
    assert read <= ids and ids - read == set()


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "review"
    shutil.copytree(REPO / "data", root / "data")
    shutil.copytree(REPO / ".github", root / ".github")
    (root / "book").mkdir()
    (root / "_config.yml").write_text("title: proposal test\n", encoding="utf-8")
    return root


def run_proposal(root: Path, event: str, tmp_path: Path, monkeypatch) -> tuple[int, Path, Path]:
    output, comment = tmp_path / "github-output", tmp_path / "comment.md"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    code = proposal.main([str(ISSUES / event), "--root", str(root), "--comment", str(comment)])
    return code, output, comment


def test_a_valid_proposal_becomes_two_valid_files(project, tmp_path, monkeypatch):
    code, output, comment = run_proposal(project, "proposal-valid.json", tmp_path, monkeypatch)
    assert code == 0 and not comment.exists()
    assert output.read_text(encoding="utf-8") == "key=qqfixture2022fixture\n"
    study = yaml.safe_load((project / "data" / "studies" / "qqfixture2022fixture.yaml").read_text(encoding="utf-8"))
    assert (study["label"], study["design"], study["population"]["tumour"], study["n_patients"]) == ("Qqfixture 2022", "retrospective-series", "wt", 14)
    assert study["setting"]["countries"] == ["DE", "AT"] and study["recruitment"] == {"start": 2001, "end": 2018}
    assert study["interventions"] == ["resection", "chemotherapy"]
    efs, os_ = study["outcomes"]
    assert (efs["id"], efs["estimate"], efs["timepoint_months"], efs["events"]) == ("efs-all", 64, 60, None)
    assert (os_["id"], os_["estimate"], os_["events"], os_["denominator"]) == ("os-resected", None, 9, 10)
    bib = (project / "data" / "references" / "qqfixture2022fixture.bib").read_text(encoding="utf-8")
    assert "author       = {Qqfixture, Iris and Ppexample, Jon}" in bib and "pages        = {101--109}" in bib
    assert "x-confidence = {recalled}" in bib and "x-source     = {https://example.org/fixture-proposal}" in bib
    assert validate.validate_dataset(project / "data") == []
    logged = screening_log.load_rounds(project / "data")[-1]
    assert logged["databases"] == [{"name": "proposal in issue #42", "kind": "contributor", "note": None}]
    (record,) = logged["records"]
    assert (record["decision"], record["study"], record["doi"], record["year"]) == ("include", "qqfixture2022fixture", "10.5555/fixture.0042", 2022)


def test_an_invalid_proposal_gets_the_validators_messages_and_leaves_no_file(project, tmp_path, monkeypatch):
    before = sorted(p.name for p in (project / "data" / "studies").iterdir())
    code, output, comment = run_proposal(project, "proposal-invalid.json", tmp_path, monkeypatch)
    assert code == 1 and not output.exists()
    text = comment.read_text(encoding="utf-8")
    assert re.search(r"data/studies/qqfixture2022fixture.yaml:\d+: n_patients: expected a whole number or null, got text \(\"about twenty\"\)", text)
    assert re.search(r"data/studies/qqfixture2022fixture.yaml:\d+: outcomes\[0\].estimate: 164 is not a percentage \(0-100\)", text)
    assert sorted(p.name for p in (project / "data" / "studies").iterdir()) == before
    assert not (project / "data" / "references" / "qqfixture2022fixture.bib").exists()
    assert sorted(p.name for p in (project / "data" / "screening").iterdir()) == ["round-1.yaml"]


def test_an_issue_that_is_not_a_proposal_is_answered_with_a_message(project, tmp_path, monkeypatch):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "labeled", "issue": {"number": 7, "body": "Please add the 2019 paper."}}), encoding="utf-8")
    comment = tmp_path / "comment.md"
    assert proposal.main([str(event), "--root", str(project), "--comment", str(comment)]) == 2
    assert "does not follow the proposal form; missing: Title of the paper" in comment.read_text(encoding="utf-8")


def test_a_proposal_without_a_usable_year_is_answered_with_a_message(project, tmp_path):
    event = json.loads((ISSUES / "proposal-valid.json").read_text(encoding="utf-8"))
    event["issue"]["body"] = event["issue"]["body"].replace("### Year of publication\n\n2022", "### Year of publication\n\nabout 2020")
    path, comment = tmp_path / "event.json", tmp_path / "comment.md"
    path.write_text(json.dumps(event), encoding="utf-8")
    assert proposal.main([str(path), "--root", str(project), "--comment", str(comment)]) == 2
    assert "the year of publication must be a year such as 2019, not 'about 2020'" in comment.read_text(encoding="utf-8")
    assert not list((project / "data" / "studies").glob("qqfixture*"))
