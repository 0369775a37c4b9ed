"""Shared fixtures: a fresh copy of the project, built once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A fixed date for the PDF's metadata, so that two builds give the same bytes.
PDF_ENV = {"SOURCE_DATE_EPOCH": "1767225600", "FORCE_SOURCE_DATE": "1"}
SKIP_DIRS = {"_build", ".venv", "venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", "node_modules"}


def copy_project(target: Path) -> Path:
    """Copy the working tree (without build output, caches or git) to ``target``."""
    shutil.copytree(REPO, target, ignore=lambda _d, names: [n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")])
    return target


def run_hepmet(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the project's CLI against ``root`` with that copy's own code."""
    full_env = dict(os.environ, PYTHONPATH=str(root / "src"), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "figures.cli", "--root", str(root), *args],
        cwd=root, env=full_env, capture_output=True, text=True,
    )


def require_tool(path_or_name: str) -> str:
    """The tool's path; under CI a missing tool fails the test (no test may be skipped there)."""
    found = shutil.which(path_or_name)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{path_or_name} is missing: .ci/run must install it")
    pytest.skip(f"{path_or_name} is not installed")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """A fresh copy of the project with its HTML site built strictly from scratch."""
    root = copy_project(tmp_path_factory.mktemp("site") / "book")
    result = run_hepmet(root, "build", "--all")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="session")
def built_pdf(tmp_path_factory) -> Path:
    """A fresh copy of the project with its PDF edition built; returns the PDF's path."""
    require_tool("xelatex")
    root = copy_project(tmp_path_factory.mktemp("pdf") / "book")
    result = run_hepmet(root, "build", "--pdf", "--all", env=PDF_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    pdf = root / "_build" / "latex" / "hepmet-review.pdf"
    assert pdf.exists(), "no PDF was written"
    return pdf
