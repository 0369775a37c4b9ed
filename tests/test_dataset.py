"""The dataset: the project's data is valid, the documented examples are accepted, loading
validates once, the accessors return what the files say, and no input crashes the validator."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_hepmet
from dataset_project import FIXTURE_STUDIES, REPO, fill_reference_stub, make_project, unclear_appraisal
from figures import data_files, dataset
from figures.validate import validate_dataset

PROBLEM = re.compile(r"^\S+:\d+: \S.*: \S.*$")


def test_the_project_dataset_is_valid():
    assert validate_dataset(REPO / "data") == []


def test_hepmet_validate_passes_on_the_project():
    result = run_hepmet(REPO, "validate")
    assert result.returncode == 0, result.stderr
    assert "dataset valid" in result.stdout


def test_the_examples_of_the_data_model_are_accepted(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", (REPO / "docs" / "DATA-MODEL.md").read_text(encoding="utf-8"), re.S)
    (study,) = [b for b in blocks if b.startswith("# data/studies/")]
    (recommendations,) = [b for b in blocks if b.startswith("recommendations:")]
    (tumours,) = [b for b in blocks if b.startswith("- code:")]
    (facts,) = [b for b in blocks if b.startswith("- id: nb-")]
    (screening,) = [b for b in blocks if b.startswith("# data/screening/round-")]
    (grade_row,) = [b for b in blocks if b.startswith("id: ")]
    (pool,) = [b for b in blocks if b.startswith("- id: wt-")]
    study += recommendations  # an optional part of a study, documented on its own
    data = make_project(tmp_path / "p") / "data"
    (data / "studies" / "ehrlich2009hepatic.yaml").write_text(study, encoding="utf-8")
    (data / "tumours.yaml").write_text(tumours, encoding="utf-8")
    (data / "facts").mkdir()
    (data / "facts" / "nb.yaml").write_text(facts, encoding="utf-8")
    (data / "screening" / "round-2.yaml").write_text(screening, encoding="utf-8")
    (data / "grade").mkdir()
    (data / "grade" / "wt-primary-liver-resection-efs.yaml").write_text(grade_row, encoding="utf-8")
    assert validate_dataset(data) == []
    # The pool example shows one member of three: as written, it is refused for that reason alone.
    (data / "pools.yaml").write_text(pool, encoding="utf-8")
    assert validate_dataset(data) == ["data/pools.yaml:4: [0].members: 1 different studies: a pool needs at least 3"]


def test_validation_of_a_large_dataset_is_fast(tmp_path):
    data = make_project(tmp_path / "p") / "data"
    template = (FIXTURE_STUDIES / "ehrlich2009hepatic.yaml").read_text(encoding="utf-8")
    reference = (data / "references" / "ehrlich2009hepatic.bib").read_text(encoding="utf-8")
    for number in range(60):  # about twice the studies the source review names
        key = f"ehrlich2009copy{number}"
        (data / "studies" / f"{key}.yaml").write_text(template.replace("ehrlich2009hepatic", key), encoding="utf-8")
        (data / "references" / f"{key}.bib").write_text(
            reference.replace("ehrlich2009hepatic", key)
            .replace("10.1097", f"10.{1000 + number}")
            .replace("19730241", str(1000 + number))
            .replace("PMC3302661", f"PMC{number}")
            .replace("Hepatic metastasis at diagnosis", f"Copy {number}"),
            encoding="utf-8",
        )
    validate_dataset(data)  # warm the schema cache, as the build does
    # CPU time, not wall time: the machines that run the tests are shared with other jobs.
    started = time.process_time()
    problems = validate_dataset(data)
    elapsed = time.process_time() - started
    assert problems == []
    assert elapsed < 1.0, (
        f"{elapsed:.2f} s for 63 studies and {len(list((data / 'references').glob('*.bib')))} references"
    )


@pytest.fixture
def fixture_data(tmp_path, monkeypatch):
    """The fixture dataset, as the dataset module's data folder (fresh cache)."""
    data = make_project(tmp_path / "p") / "data"
    monkeypatch.setenv("HEPMET_DATA_DIR", str(data))
    dataset.load_dataset.cache_clear()
    yield data
    dataset.load_dataset.cache_clear()


def test_loading_validates_once_and_reports_every_problem(fixture_data, monkeypatch):
    calls = []
    real = data_files.validate.load_checked
    monkeypatch.setattr(data_files.validate, "load_checked", lambda d: calls.append(d) or real(d))
    dataset.studies()
    dataset.tumours()
    dataset.outcomes("wt")
    assert len(calls) == 1

    dataset.load_dataset.cache_clear()
    path = fixture_data / "studies" / "ehrlich2009hepatic.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("n_liver_metastases: 96", "n_liver_metastases: 97"), encoding="utf-8"
    )
    (fixture_data / "tumours.yaml").unlink()
    with pytest.raises(data_files.DatasetError) as raised:
        dataset.studies()
    assert raised.value.problems == [
        "data/studies/ehrlich2009hepatic.yaml:18: n_liver_metastases: 97 is above n_patients 96",
        "data/tumours.yaml:1: (file): missing: the dataset needs data/tumours.yaml",
    ]
    assert "2 problem(s)" in str(raised.value)


def test_outcomes_is_one_row_per_outcome_joined_with_its_study(fixture_data):
    frame = dataset.outcomes()
    assert list(frame.columns) == dataset.OUTCOME_COLUMNS
    assert len(frame) == 5  # 3 of Ehrlich 2009, 2 of Varan 2005, none of French 2012
    row = frame.set_index(["citation", "outcome_id"]).loc[("ehrlich2009hepatic", "efs-liver-only")]
    assert (row["estimate"], row["ci_low"], row["ci_high"], row["ci_level"]) == (76, 58, 87, 95)
    assert (row["tumour"], row["n_patients"], row["design"]) == ("wt", 96, "trial-cohort")
    resected = frame.set_index(["citation", "outcome_id"]).loc[("ehrlich2009hepatic", "efs-primary-resection")]
    assert (resected["p_value"], resected["p_relation"], resected["denominator"]) == (0.09, "=", 22)
    # Each outcome carries its own population and kind: the subgroup's 22, never the study's 96.
    assert (resected["n"], resected["kind"], resected["n_patients"]) == (22, "survival", 96)
    assert pd.isna(row["n"])  # the liver-only subgroup's size is not reported
    assert resected["agents"] == []
    assert set(dataset.outcomes("nb")["citation"]) == set()
    assert list(dataset.outcomes("nb").columns) == dataset.OUTCOME_COLUMNS
    assert set(dataset.outcomes("wt")["citation"]) == {"ehrlich2009hepatic", "varan2005prognostic"}


def test_appraisals_are_one_row_per_item_in_the_tools_order(fixture_data):
    frame = dataset.appraisals()
    assert list(frame.columns) == dataset.APPRAISAL_COLUMNS
    ehrlich = frame[frame["citation"] == "ehrlich2009hepatic"]
    assert ehrlich["item"].tolist() == [f"q{i}" for i in range(1, 12)]  # the cohort checklist's 11 items
    first = ehrlich.iloc[0]
    assert (first["tool"], first["judgement"], first["overall"]) == ("jbi-cohort", "no", "high")
    assert first["domain"] == "groups alike and drawn from one population"
    assert set(dataset.appraisals("wt")["citation"]) == {"ehrlich2009hepatic", "varan2005prognostic"}


def test_screening_gives_the_rounds_of_the_log(fixture_data):
    (first,) = dataset.screening()
    assert first["date"] == "2026-11-25" and first["queries"] == []
    assert [d["records"] for d in first["databases"]] == [114, 4]
    assert sorted(r["study"] for r in first["records"]) == sorted(p.stem for p in FIXTURE_STUDIES.glob("*.yaml"))


def test_markup_and_non_ascii_text_is_stored_verbatim(fixture_data):
    label = "Varan <script>alert('x')</script> \\emph{50%} & Ünal–Øberg"
    path = fixture_data / "studies" / "varan2005prognostic.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "label: Varan 2005", f"label: {yaml.safe_dump(label).splitlines()[0]}"
        ),
        encoding="utf-8",
    )
    assert validate_dataset(fixture_data) == []
    assert dataset.study("varan2005prognostic")["label"] == label


# --- new-study -------------------------------------------------------------------------------


def test_new_study_scaffold_then_fill_then_validate(tmp_path):
    root = make_project(tmp_path / "p")
    result = run_hepmet(root, "new-study", "smith2020example")
    assert result.returncode == 0, result.stderr
    study = root / "data" / "studies" / "smith2020example.yaml"
    reference = root / "data" / "references" / "smith2020example.bib"
    scaffold = study.read_text(encoding="utf-8")
    # Every field is explained by a comment.
    for line in scaffold.splitlines():
        if re.match(r"^\s*(?:- )?[a-z_]+:", line) and not line.strip().startswith("#"):
            assert "#" in line, f"no explanation: {line}"

    unfilled = run_hepmet(root, "validate")
    assert unfilled.returncode == 1 and "Traceback" not in unfilled.stderr
    assert "data/studies/smith2020example.yaml:5: design: empty (null): choose one of" in unfilled.stderr
    assert "data/references/smith2020example.bib" in unfilled.stderr

    record = yaml.safe_load(scaffold)
    record.update(label="Smith 2020", design="case-report", n_patients=1, n_liver_metastases=1, timing="synchronous")
    record["setting"]["centres"] = "single"
    record["population"].update(tumour="nb", age_group="pediatric")
    record["source"] = {"document": "test", "section": "Case"}
    record["outcomes"] = []
    record["appraisal"] = unclear_appraisal("jbi-case-report")
    study.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    fill_reference_stub(reference, "Smith, A.", "A test case", "2020")
    filled = run_hepmet(root, "validate")
    assert filled.returncode == 0, filled.stderr


def test_new_study_refuses_a_bad_key_and_an_existing_study(tmp_path):
    root = make_project(tmp_path / "p")
    bad = run_hepmet(root, "new-study", "Smith-2020")
    assert bad.returncode == 2 and "is not a citation key" in bad.stderr and "Traceback" not in bad.stderr
    existing = run_hepmet(root, "new-study", "varan2005prognostic")
    assert existing.returncode == 1 and "exists already" in existing.stderr
    assert not (root / "data" / "studies" / "Smith-2020.yaml").exists()


# --- no input crashes the validator -----------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.text(max_size=20)
)
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=20,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _assert_reported_cleanly(data: Path) -> None:
    problems = validate_dataset(data)
    assert all(isinstance(p, str) and PROBLEM.match(p) for p in problems), problems


@pytest.fixture
def fuzz_data(tmp_path) -> Path:
    """A fresh dataset per test; each example of a test overwrites the same file."""
    return make_project(tmp_path / "p") / "data"


@FUZZ
@given(text=st.text(max_size=300))
def test_no_text_crashes_the_validator(fuzz_data, text):
    (fuzz_data / "studies" / "varan2005prognostic.yaml").write_text(text, encoding="utf-8")
    _assert_reported_cleanly(fuzz_data)


@FUZZ
@given(tree=trees)
def test_no_yaml_value_crashes_the_validator(fuzz_data, tree):
    (fuzz_data / "studies" / "varan2005prognostic.yaml").write_text(
        yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8"
    )
    (fuzz_data / "screening" / "round-1.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    _assert_reported_cleanly(fuzz_data)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


EHRLICH = yaml.safe_load((FIXTURE_STUDIES / "ehrlich2009hepatic.yaml").read_text(encoding="utf-8"))
EHRLICH_PATHS = [p for p in _paths(EHRLICH) if p]


@FUZZ
@given(path=st.sampled_from(EHRLICH_PATHS), value=trees)
def test_no_single_wrong_value_crashes_the_validator(fuzz_data, path, value):
    record = yaml.safe_load(yaml.safe_dump(EHRLICH))
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    (fuzz_data / "studies" / "varan2005prognostic.yaml").unlink(missing_ok=True)
    (fuzz_data / "studies" / "ehrlich2009hepatic.yaml").write_text(
        yaml.safe_dump(record, allow_unicode=True), encoding="utf-8"
    )
    _assert_reported_cleanly(fuzz_data)


@FUZZ
@given(text=st.text(max_size=300))
def test_no_bibtex_text_crashes_the_validator(fuzz_data, text):
    (fuzz_data / "references" / "french2012longterm.bib").write_text(text, encoding="utf-8")
    _assert_reported_cleanly(fuzz_data)


def test_the_worked_example_of_contributing_is_true(tmp_path):
    """CONTRIBUTING.md's example study validates, and its slip gives the message it shows."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    (study,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    (shown,) = [line for line in text.splitlines() if line.startswith("data/studies/varan2005prognostic.yaml:")]
    data = make_project(tmp_path / "p") / "data"
    path = data / "studies" / "varan2005prognostic.yaml"
    path.write_text(study, encoding="utf-8")
    assert validate_dataset(data) == []
    path.write_text(study.replace("estimate: 16.6", "estimate: 166"), encoding="utf-8")
    assert validate_dataset(data) == [shown]


def test_the_data_layer_never_reads_the_chapters(tmp_path):
    # A page's data load checks data/ only; the chapters' citation keys are a build-side check
    # (hepmet validate, the Sphinx extension), with the same message.
    from figures import chapter_citations

    root = make_project(tmp_path / "p")
    (root / "book").mkdir()
    (root / "book" / "wilms-tumor.md").write_text(
        "# Wilms tumor\n\nSee {cite:p}`smith1999unknown`.\n", encoding="utf-8"
    )
    assert validate_dataset(root / "data") == []
    assert chapter_citations.project_problems(root) == [
        "book/wilms-tumor.md:3: cite: 'smith1999unknown' has no reference: add data/references/smith1999unknown.bib"
    ]
