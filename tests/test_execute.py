"""In-process execution of the chapters (figures.execute): the outputs a kernel would give."""

from __future__ import annotations

from pathlib import Path

import nbformat
from myst_nb.core.config import NbParserConfig

from figures.execute import InProcessClient


class RecordingLogger:
    def __init__(self):
        self.warnings: list[tuple[str, dict]] = []

    def info(self, message, **kwargs):
        pass

    def warning(self, message, **kwargs):
        self.warnings.append((message, kwargs))


def run(cells: list[str], folder: Path) -> tuple[nbformat.NotebookNode, InProcessClient, RecordingLogger]:
    page = folder / "page.md"
    page.write_text("# a page\n", encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    logger = RecordingLogger()
    with InProcessClient(notebook, page, NbParserConfig(), logger) as client:
        pass
    return notebook, client, logger


def kinds(cell) -> list[str]:
    return [o.output_type for o in cell.outputs]


def test_displays_results_streams_and_glue_become_outputs(tmp_path):
    notebook, client, logger = run(
        [
            "import os, sys\nfrom myst_nb import glue\nglue('answer', 42, display=False)\n"
            "print(os.getcwd())\nprint('careful', file=sys.stderr)",
            "from IPython.display import HTML, display\ndisplay(HTML('<b>bold</b>'))\n6 * 7",
            "hidden = 1;",
        ],
        tmp_path,
    )
    first, second, third = notebook.cells
    assert [o.name for o in first.outputs] == ["stdout", "stderr"]
    assert first.outputs[0].text.strip() == str(tmp_path)  # the page's folder is the working directory
    assert client.glue_data["answer"]["data"]["text/plain"] == "42"
    assert kinds(second) == ["display_data", "execute_result"]
    assert second.outputs[0].data["text/html"] == "<b>bold</b>"
    assert second.outputs[1].data["text/plain"] == "42"
    assert third.outputs == []  # a trailing semicolon hides the value, as in a kernel
    assert [c.execution_count for c in notebook.cells] == [1, 2, 3]
    assert client.exec_metadata["succeeded"] and logger.warnings == []


def test_a_failing_cell_stops_the_page_with_an_exec_warning(tmp_path):
    notebook, client, logger = run(["x = 1", "1 / 0", "print('never')"], tmp_path)
    assert kinds(notebook.cells[1]) == ["error"]
    assert notebook.cells[1].outputs[0].ename == "ZeroDivisionError"
    assert notebook.cells[2].outputs == []
    assert not client.exec_metadata["succeeded"]
    assert [(kwargs.get("subtype"), "ZeroDivisionError" in message) for message, kwargs in logger.warnings] == [
        ("exec", True)
    ]


def test_every_page_starts_with_a_fresh_namespace(tmp_path):
    run(["left_over = 'from the first page'"], tmp_path)
    notebook, _, _ = run(["'left_over' in dir()"], tmp_path)
    assert notebook.cells[0].outputs[0].data["text/plain"] == "False"


def test_a_display_between_pages_is_printed_not_lost(tmp_path, capsys):
    # The shell outlives its pages; code run later in the same process (the chart-spec test runs
    # the chapters' cells directly) may still call display(), glue() included.
    from IPython.display import display

    run(["1 + 1"], tmp_path)
    display({"text/plain": "between pages"}, raw=True)
    assert "between pages" in capsys.readouterr().out
