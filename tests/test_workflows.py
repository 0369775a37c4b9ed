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

from figures import cli, proposal, screening_log, validate
from figures.schemas import appraisal_tools, tool_for_design

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ISSUES = REPO / "tests" / "fixtures" / "issues"
BIN = Path(sys.executable).parent


def _workflow(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # "on" stays a key


def test_zizmor_finds_nothing_high_or_medium():
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--min-severity", "medium", "--format", "plain", ".github/"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
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


def _form_field(ident: str) -> dict:
    form = yaml.safe_load((REPO / proposal.FORM).read_text(encoding="utf-8"))
    return next(item for item in form["body"] if item.get("id") == ident)


def _codes() -> dict:
    return json.loads((REPO / "src" / "figures" / "schema" / "codes.schema.json").read_text(encoding="utf-8"))["$defs"]


def test_the_forms_choices_are_the_codes_of_the_study_file():
    """Dropdowns and checkboxes offer exactly the codes the v2 study file accepts (no v1 leftovers)."""
    study = json.loads((REPO / "src" / "figures" / "schema" / "study.schema.json").read_text(encoding="utf-8"))[
        "properties"
    ]
    codes = _codes()
    expected = {
        "design": codes["design"]["enum"],
        "tumour": codes["tumour"]["enum"],
        "age_group": codes["age_group"]["enum"],
        "centres": study["setting"]["properties"]["centres"]["enum"],
        "timing": study["timing"]["enum"],
        "basis": [b for b in codes["appraisal_basis"]["enum"] if b != "source-review"],  # a proposer reads the paper
    }
    for ident, enum in expected.items():
        offered = [proposal._code(option) for option in _form_field(ident)["attributes"]["options"]]
        assert sorted(offered) == sorted(enum), ident
    ticks = [option["label"] for option in _form_field("interventions")["attributes"]["options"]]
    assert sorted(ticks) == sorted(codes["intervention"]["enum"])


def test_the_outcomes_field_describes_the_parsers_line_with_the_v2_codes():
    description = _form_field("outcomes")["attributes"]["description"]
    line = re.search(r"One line per figure: (.+?)\.\s", description).group(1)
    assert [part.strip().split("/")[0] for part in line.split("|")] == [*proposal.OUTCOME_PARTS[:-1], "events"]
    words = set(re.findall(r"[\w-]+", description))
    codes = _codes()
    for name in ("measure", "outcome_kind", "outcome_unit"):
        assert set(codes[name]["enum"]) <= words, name
    for old in ("complications", "mortality", "liver-involvement"):  # v1 codes, split in v2
        assert old not in words


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


def _screening_bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data" / "screening").iterdir())}


def test_a_valid_proposal_becomes_two_valid_v2_files_and_a_log_record(project, tmp_path, monkeypatch):
    log_before = _screening_bytes(project)
    code, output, comment = run_proposal(project, "proposal-valid.json", tmp_path, monkeypatch)
    assert code == 0 and not comment.exists()
    assert output.read_text(encoding="utf-8") == "key=qqfixture2022fixture\n"
    study = yaml.safe_load((project / "data" / "studies" / "qqfixture2022fixture.yaml").read_text(encoding="utf-8"))
    assert (study["label"], study["design"], study["population"]["tumour"], study["n_patients"]) == (
        "Qqfixture 2022",
        "retrospective-series",
        "wt",
        14,
    )
    assert study["setting"]["countries"] == ["DE", "AT"] and study["recruitment"] == {"start": 2001, "end": 2018}
    assert study["interventions"] == ["resection", "chemotherapy"]
    assert study["agents"] == ["vincristine", "dactinomycin"]
    efs, complications = study["outcomes"]
    assert (efs["id"], efs["kind"], efs["n"], efs["estimate"], efs["timepoint_months"], efs["events"]) == (
        "efs-all",
        "survival",
        14,
        64,
        60,
        None,
    )
    assert (complications["id"], complications["measure"], complications["kind"], complications["n"]) == (
        "perioperative-complications-all",
        "perioperative-complications",
        "proportion",
        14,
    )
    assert (complications["estimate"], complications["events"], complications["denominator"]) == (None, 3, 14)
    # The appraisal: the tool of the design, every item unclear until an editor appraises the study.
    appraisal = study["appraisal"]
    assert (appraisal["tool"], appraisal["basis"], appraisal["overall"]) == ("jbi-case-series", "full-text", "unclear")
    assert [item["id"] for item in appraisal["items"]] == [f"q{i}" for i in range(1, 11)]
    assert {(item["judgement"], item["reason"]) for item in appraisal["items"]} == {("unclear", proposal.NOT_APPRAISED)}
    assert appraisal["reason"] == proposal.NOT_APPRAISED
    bib = (project / "data" / "references" / "qqfixture2022fixture.bib").read_text(encoding="utf-8")
    assert "author       = {Qqfixture, Iris and Ppexample, Jon}" in bib and "pages        = {101--109}" in bib
    assert "x-confidence = {recalled}" in bib and "x-source     = {https://example.org/fixture-proposal}" in bib
    assert validate.validate_dataset(project / "data") == []
    assert cli.main(["--root", str(project), "validate"]) == 0
    # The screening log: the earlier rounds as they were, plus one contributor round with one record.
    log_after = _screening_bytes(project)
    new = sorted(set(log_after) - set(log_before))
    assert {name: log_after[name] for name in log_before} == log_before and len(new) == 1
    rounds = screening_log.load_rounds(project / "data")
    logged = rounds[-1]
    assert new == [f"round-{logged['round']}.yaml"] and logged["round"] == len(log_before) + 1
    assert logged["databases"] == [{"name": "proposal in issue #42", "kind": "contributor", "note": None}]
    (record,) = logged["records"]
    assert record["id"] == screening_log.record_id(logged["round"], 1)
    assert (record["decision"], record["study"], record["doi"], record["year"]) == (
        "include",
        "qqfixture2022fixture",
        "10.5555/fixture.0042",
        2022,
    )
    assert screening_log.prisma_counts(logged).included == 1


def test_a_proposal_for_each_design_gets_the_tool_that_fits_it():
    for design, spec in ((d, s) for s in appraisal_tools().values() for d in s["designs"]):
        appraisal = proposal.appraisal_placeholder(design, None)
        assert appraisal["tool"] == tool_for_design(design) and appraisal["basis"] == "abstract"
        assert [item["id"] for item in appraisal["items"]] == [item["id"] for item in spec["items"]]


def test_an_invalid_proposal_gets_the_validators_messages_and_leaves_no_file(project, tmp_path, monkeypatch):
    before = sorted(p.name for p in (project / "data" / "studies").iterdir())
    log_before = _screening_bytes(project)
    code, output, comment = run_proposal(project, "proposal-invalid.json", tmp_path, monkeypatch)
    assert code == 1 and not output.exists()
    text = comment.read_text(encoding="utf-8")
    name = r"data/studies/qqfixture2022fixture.yaml:\d+: "
    assert re.search(name + r"n_patients: expected a whole number or null, got text \(\"about twenty\"\)", text)
    assert re.search(name + r"outcomes\[0\].estimate: 164 is not a percentage \(0-100\)", text)
    assert re.search(
        name
        + r"outcomes\[1\].measure: \"mortality\" is not a known code \(known: .*postoperative-death, disease-death",
        text,
    )
    assert re.search(name + r"outcomes\[2\].unit: 'percent' does not fit the kind time", text)
    assert sorted(p.name for p in (project / "data" / "studies").iterdir()) == before
    assert not (project / "data" / "references" / "qqfixture2022fixture.bib").exists()
    assert _screening_bytes(project) == log_before


def test_an_issue_that_is_not_a_proposal_is_answered_with_a_message(project, tmp_path, monkeypatch):
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"action": "labeled", "issue": {"number": 7, "body": "Please add the 2019 paper."}}),
        encoding="utf-8",
    )
    comment = tmp_path / "comment.md"
    assert proposal.main([str(event), "--root", str(project), "--comment", str(comment)]) == 2
    assert "does not follow the proposal form; missing: Title of the paper" in comment.read_text(encoding="utf-8")


def test_a_proposal_without_a_usable_year_is_answered_with_a_message(project, tmp_path):
    event = json.loads((ISSUES / "proposal-valid.json").read_text(encoding="utf-8"))
    event["issue"]["body"] = event["issue"]["body"].replace(
        "### Year of publication\n\n2022", "### Year of publication\n\nabout 2020"
    )
    path, comment = tmp_path / "event.json", tmp_path / "comment.md"
    path.write_text(json.dumps(event), encoding="utf-8")
    assert proposal.main([str(path), "--root", str(project), "--comment", str(comment)]) == 2
    assert "the year of publication must be a year such as 2019, not 'about 2020'" in comment.read_text(
        encoding="utf-8"
    )
    assert not list((project / "data" / "studies").glob("qqfixture*"))
