"""Shared fixtures (a fresh copy of the project, built once per test session) and the test tiers.

Tiers: a test that builds the book, opens Chromium or runs TeX is marked ``slow`` (and ``browser``
or ``pdf``) automatically, from the fixtures it uses and the calls in its code and in theirs, so
``pytest -m "not slow"`` (``make test-fast``) is the fast tier with no test file carrying marks. A
test the rules miss cannot slip into the fast tier unnoticed: ``run_hepmet(..., "build")`` and
Chromium fail in a test that is not marked ``slow``. Under ``CI=true`` a skipped test fails.
"""

from __future__ import annotations

import ast
import inspect
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]
# A fixed date for the PDF's metadata, so that two builds give the same bytes.
PDF_ENV = {"SOURCE_DATE_EPOCH": "1767225600", "FORCE_SOURCE_DATE": "1"}
SKIP_DIRS = {"_build", ".venv", "venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", "node_modules"}


def toc_pages() -> list[str]:
    """Every page listed in _toc.yml, in order."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc["parts"]:
        walk(part["chapters"])
    return pages


def copy_project(target: Path) -> Path:
    """Copy the working tree (without build output, caches or git) to ``target``."""
    shutil.copytree(
        REPO, target, ignore=lambda _d, names: [n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")]
    )
    return target


def run_hepmet(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the project's CLI against ``root`` with that copy's own code."""
    if args and args[0] in BUILD_COMMANDS:
        expect_slow(f"runs `hepmet {' '.join(args)}`")
    full_env = dict(os.environ, PYTHONPATH=str(root / "src"), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "figures.cli", "--root", str(root), *args],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
    )


def validate_in_process(root: Path) -> subprocess.CompletedProcess:
    """``hepmet validate`` on ``root`` through the command line's own entry point, in this process.

    The same code and the same output as ``run_hepmet(root, "validate")`` without starting Python
    (a second each): the corpus of bad inputs runs it some eighty times in the fast tier.
    """
    import contextlib
    import io

    from figures import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--root", str(root), "validate"])
    return subprocess.CompletedProcess(["hepmet", "validate"], code, out.getvalue(), err.getvalue())


def require_tool(path_or_name: str) -> str:
    """The tool's path; under CI a missing tool fails the test (no test may be skipped there)."""
    found = shutil.which(path_or_name)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{path_or_name} is missing: .ci/run must install it")
    pytest.skip(f"{path_or_name} is not installed")


def once_per_run(tmp_path_factory, name: str, make):
    """``make(folder)``'s value, computed once per test run and shared by every pytest-xdist worker.

    ``make test`` runs the suite in two worker processes (one per core); a session fixture would
    otherwise build the book once in each. The first worker that needs ``name`` builds it in a
    folder of the run's temporary directory, under a file lock; the others wait for it and read
    the pickled value. A build that fails is not recorded, so every worker that needs it fails
    with the build's own message.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, shared by the workers (each has its own below it)
    folder = base / f"shared-{name}"
    value_file = folder.with_name(folder.name + ".pickle")
    with FileLock(str(folder) + ".lock"):
        if not value_file.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            value_file.write_bytes(pickle.dumps(make(folder)))
        return pickle.loads(value_file.read_bytes())


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """A fresh copy of the project with its HTML site built strictly from scratch."""

    def build(folder: Path) -> Path:
        root = copy_project(folder / "book")
        result = run_hepmet(root, "build", "--all")
        assert result.returncode == 0, result.stdout + result.stderr
        return root

    return once_per_run(tmp_path_factory, "site", build)


def executed_pages(root: Path) -> list[str]:
    """Pages that the latest build of ``root`` executed (markers written by figures.sphinx_ext)."""
    from figures.paths import build_state

    folder = build_state(root) / "executed"
    return sorted(p.name.replace("__", "/") for p in folder.iterdir()) if folder.exists() else []


class DataChanges(NamedTuple):
    first_site: Path  # the first, clean build's site (another folder than built_site's)
    executed: dict[str, list[str]]  # the pages each build executed, by step
    contributor: dict[str, int]  # exit codes of the contributor's commands, by step
    changed: Path  # a snapshot (sources, data, site) after the studies were changed
    root: Path  # the copy at its last step: the synthesis fixtures' data, built incrementally


@pytest.fixture(scope="session")
def data_changes(tmp_path_factory) -> DataChanges:
    """One copy of the project, in a folder of another name, taken through data changes with a
    build after each (tests/data_changes.py): clean; unchanged; one Wilms tumor study corrected;
    a study and a tumour changed and a contributor's new study added (scaffold, fill, validate);
    then the real data restored and the synthesis fixtures' studies added. Each test reads the
    step it checks, so the series costs one clean build and four incremental ones."""
    return once_per_run(tmp_path_factory, "changes", _take_through_data_changes)


def _take_through_data_changes(folder: Path) -> DataChanges:
    import data_changes as steps
    from synthesis_site import use_fixture_data

    root = copy_project(folder / "elsewhere" / "copy")
    executed: dict[str, list[str]] = {}

    def build(step: str) -> None:
        result = run_hepmet(root, "build")
        assert result.returncode == 0, f"{step}: " + result.stdout + result.stderr
        executed[step] = executed_pages(root)

    build("clean")
    first_site = root.parent / "first-site"
    shutil.copytree(root / "_build" / "html", first_site)
    build("unchanged")
    steps.correct_one_wilms_study(root)
    build("one study corrected")

    steps.change_a_study_and_a_tumour(root)
    contributor = {"new-study": run_hepmet(root, "new-study", steps.CONTRIBUTOR_KEY).returncode}
    contributor["validate the scaffold"] = run_hepmet(root, "validate").returncode
    steps.fill_contributor_study(root)
    contributor["validate the study"] = run_hepmet(root, "validate").returncode
    build("studies changed and added")
    changed = steps.snapshot_project(root, root.parent / "changed")

    steps.restore_data(root, REPO)
    use_fixture_data(root / "data")
    build("synthesis fixtures added")
    return DataChanges(first_site, executed, contributor, changed, root)


@pytest.fixture(scope="session")
def built_pdf(tmp_path_factory) -> Path:
    """A fresh copy of the project with its PDF edition built; returns the PDF's path."""
    require_tool("xelatex")

    def build(folder: Path) -> Path:
        root = copy_project(folder / "book")
        result = run_hepmet(root, "build", "--pdf", "--all", env=PDF_ENV)
        assert result.returncode == 0, result.stdout + result.stderr
        pdf = root / "_build" / "latex" / "hepmet-review.pdf"
        assert pdf.exists(), "no PDF was written"
        return pdf

    return once_per_run(tmp_path_factory, "pdf", build)


# --- test tiers -------------------------------------------------------------------------------

BUILD_COMMANDS = {"build", "editions"}
# Fixtures whose value is a built book; any test using one (directly or through another fixture)
# is slow. Fixtures that build in their body (they call run_hepmet(..., "build"), a built-site
# helper or Chromium) are recognised from their code, like tests.
BUILD_FIXTURES = {"built_site": {"slow"}, "data_changes": {"slow"}, "built_pdf": {"slow", "pdf"}}
# Calls that make a test slow, and the further marks they imply.
HEAVY_CALLS = {
    "built_fixture_site": {"slow"},  # tests/synthesis_site.py: the fixture dataset's built site
    "chromium": {"slow", "browser"},  # tests/browser.py: headless Chromium
    "build_slot": {"slow"},  # figures.multiversion: one edition's build
    "build_site": {"slow"},  # figures.multiversion: every edition's build
}
TOOL_MARKS = {"xelatex": {"slow", "pdf"}, "chromium": {"slow", "browser"}}

_current = {"slow": True}  # whether the running test is marked slow (True outside tests)


def expect_slow(what: str) -> None:
    """Fail a test of the fast tier that does something only the slow tier may do."""
    if not _current["slow"]:
        pytest.fail(
            f"this test {what} but is not marked slow: use a built-site fixture (conftest.BUILD_FIXTURES), "
            "or mark it @pytest.mark.slow, so that the fast tier (make test-fast) never builds"
        )


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _marks_from_code(function) -> set[str]:
    """The tier marks implied by the calls in ``function``'s own code."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    marks: set[str] = set()
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        name = _called_name(call)
        constants = {a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        # run_hepmet(root, *args): the command is not known before it runs, so it may build.
        unknown_command = any(isinstance(a, ast.Starred) for a in call.args)
        if name in HEAVY_CALLS:
            marks |= HEAVY_CALLS[name]
        elif name == "run_hepmet" and (constants & BUILD_COMMANDS or unknown_command):
            marks |= {"slow", "pdf"} if "--pdf" in constants else {"slow"}
        elif name == "require_tool":
            for tool in constants & TOOL_MARKS.keys():
                marks |= TOOL_MARKS[tool]
    return marks


def tier_marks(item: pytest.Item) -> set[str]:
    """The tier marks of a collected test: from the fixtures it uses and from its code and theirs."""
    marks: set[str] = set()
    fixture_info = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", []):
        marks |= BUILD_FIXTURES.get(name, set())
        for definition in fixture_info.name2fixturedefs.get(name, ()) if fixture_info else ():
            if Path(inspect.getfile(definition.func)).is_relative_to(REPO / "tests"):
                marks |= _marks_from_code(definition.func)
    if isinstance(item, pytest.Function):
        marks |= _marks_from_code(item.function)
    return marks


# The files that take longest (their own builds), first: pytest-xdist hands whole files to the
# workers in this order as they become free, so the longest do not start last and leave one worker
# idle at the end. Only the order changes; any file missing here runs after these, as collected.
LONGEST_FILES_FIRST = (
    "test_editions.py",  # two editions (HTML and PDF) and one edition again
    "test_nothing_lost.py",  # five builds
    "test_injection.py",  # the hostile copy's site and PDF
    "test_chapters_quote_the_data_files.py",  # the data-change series (data_changes)
    "test_accessibility.py",  # axe in every page
    "test_browser_gate.py",
)


def _schedule_rank(item: pytest.Item) -> int:
    name = Path(str(item.fspath)).name
    return LONGEST_FILES_FIRST.index(name) if name in LONGEST_FILES_FIRST else len(LONGEST_FILES_FIRST)


def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in sorted(tier_marks(item) - {m.name for m in item.iter_markers()}):
            item.add_marker(getattr(pytest.mark, mark))
    items.sort(key=_schedule_rank)  # stable: each file keeps its own order


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current["slow"] = item.get_closest_marker("slow") is not None


def pytest_runtest_teardown(item):
    _current["slow"] = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # Under CI nothing may be skipped (an expected failure, xfail, is not a skip).
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run every test: {report.longrepr}"
