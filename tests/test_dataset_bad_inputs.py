"""The corpus of bad inputs (tests/bad_inputs/*.yaml): each gives exactly its messages and exit status.

Every case runs the command line's entry point, ``hepmet validate``, as a contributor would: in the
test's process (starting Python for each of some eighty cases was most of the fast tier's time);
one case also runs as a separate process and must print the same.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import run_hepmet, validate_in_process
from dataset_project import make_project

CASES = sorted((Path(__file__).parent / "bad_inputs").glob("*.yaml"))


def apply_case(case: dict, data: Path) -> None:
    for name in case.get("remove", []):
        target = data / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    for source, target in (case.get("copy") or {}).items():
        shutil.copy(data / source, data / target)
    for name, text in (case.get("write") or {}).items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text(text, encoding="utf-8")
    for name, hex_bytes in (case.get("write_hex") or {}).items():
        (data / name).write_bytes(bytes.fromhex(hex_bytes))
    for name, target in (case.get("link") or {}).items():
        (data / name).unlink(missing_ok=True)
        (data / name).symlink_to(target)
    for edit in case.get("replace", []):
        path = data / edit["file"]
        text = path.read_text(encoding="utf-8")
        assert text.count(edit["old"]) == 1, f"{edit['old']!r} must occur once in {edit['file']}"
        path.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")


def test_the_corpus_is_large_enough():
    bad = [c for c in CASES if yaml.safe_load(c.read_text(encoding="utf-8"))["exit"] != 0]
    assert len(bad) >= 30


def case_project(case_file: Path, target: Path) -> tuple[dict, Path]:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    root = make_project(target)
    apply_case(case, root / "data")
    return case, root


def test_the_command_in_its_own_process_prints_what_the_cases_check(tmp_path):
    case_file = next(c for c in CASES if yaml.safe_load(c.read_text(encoding="utf-8"))["exit"] != 0)
    _case, root = case_project(case_file, tmp_path / "project")
    alone, here = run_hepmet(root, "validate"), validate_in_process(root)
    assert (alone.returncode, alone.stdout, alone.stderr) == (here.returncode, here.stdout, here.stderr)


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_bad_input(case_file, tmp_path):
    case, root = case_project(case_file, tmp_path / "project")

    result = validate_in_process(root)

    assert "Traceback" not in result.stderr + result.stdout
    for secret in case.get("must_not_print", []):
        assert secret not in result.stderr + result.stdout
    assert result.returncode == case["exit"], result.stderr
    lines = result.stderr.splitlines()
    if case["exit"] == 0:
        assert lines == [] and "dataset valid" in result.stdout
    else:
        assert lines[:-1] == case["expect"]
        assert lines[-1] == f"{len(case['expect'])} problem(s) in {root / 'data'}"
