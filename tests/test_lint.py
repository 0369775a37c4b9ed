"""The code is formatted and linted by ruff, with the settings of pyproject.toml ([tool.ruff]).

Fix a failure with `ruff format src tests scripts` and `ruff check --fix src tests scripts` (what is
left after --fix names the line and the rule to fix by hand).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECKED = ("src", "tests", "scripts")


def _ruff(*args: str) -> subprocess.CompletedProcess:
    # The ruff of this environment (constraints.txt pins it), found beside the interpreter first.
    beside = Path(sys.executable).with_name("ruff")
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: pip install -c constraints.txt -e '.[test]'")
    return subprocess.run([ruff, *args, *CHECKED], cwd=REPO, capture_output=True, text=True)


def test_ruff_check_passes():
    result = _ruff("check", "--no-cache", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_every_file_as_it_is():
    result = _ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
