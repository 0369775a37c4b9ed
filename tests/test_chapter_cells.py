"""Chapters ask for outputs: every code cell imports ``figures.chapter`` only, and each statement is
one call to it or a constant the chapter passes (its own group labels). Fast: reads book/ only."""

from __future__ import annotations

import ast
import re

import pytest

from conftest import REPO

CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)
CHAPTERS = sorted((REPO / "book").rglob("*.md"))


def _cells(page) -> list[str]:
    return [
        "\n".join(line for line in body.splitlines() if not line.startswith(":"))
        for body in CELL.findall(page.read_text(encoding="utf-8"))
    ]


def _problems(source: str) -> list[str]:
    problems = []
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.ImportFrom):
            if statement.module != "figures" or [a.name for a in statement.names] != ["chapter"]:
                problems.append(f"imports {ast.unparse(statement)!r}: chapters import figures.chapter only")
        elif isinstance(statement, ast.Import):
            problems.append(f"imports {ast.unparse(statement)!r}: chapters import figures.chapter only")
        elif isinstance(statement, ast.Assign):
            try:
                ast.literal_eval(statement.value)
            except ValueError:
                problems.append(f"{ast.unparse(statement)!r} computes: only constants may be assigned")
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            function = statement.value.func
            if not (
                isinstance(function, ast.Attribute)
                and isinstance(function.value, ast.Name)
                and function.value.id == "chapter"
            ):
                problems.append(f"{ast.unparse(statement)!r} is not a call to figures.chapter")
        else:
            problems.append(f"{ast.unparse(statement)!r} is not a call to figures.chapter")
    return problems


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: str(p.relative_to(REPO)))
def test_code_cells_only_call_the_chapter_module(page):
    problems = [problem for cell in _cells(page) for problem in _problems(cell)]
    assert not problems, problems


def test_the_check_sees_a_chapter_that_wires_pieces_together():
    assert _problems("from figures import charts, render\nrender.show_chart(charts.x(k), charts.x_description(k))")
    assert _problems("from figures import chapter\nx = chapter.table1('t')")
    assert not _problems("from figures import chapter\nGROUPS = {'a': 'A'}\nchapter.table1(caption='t')")
