"""Execute the chapters inside the Sphinx process, so that their imports are paid once per build.

myst-nb starts one Jupyter kernel per page (also in its ``inline`` mode), and every kernel imports
pandas, Altair, statsmodels and the review's own modules again: that was most of a clean build's
time (docs/BENCHMARK.md). This client runs a page's cells in one IPython shell living in the
Sphinx process instead, each page with a fresh namespace and its own folder as working
directory, and hands myst-nb the same outputs a kernel would have produced (displays with their
metadata, so ``glue`` works; the value of a cell's last expression; printed text; errors).

It is installed by ``figures.sphinx_ext`` when ``hepmet_execution`` is ``"in-process"`` (the
default) and myst-nb's ``execution_mode`` is ``force``; ``"kernel"`` restores myst-nb's own client.
Limit: a cell that never ends is not interrupted (myst-nb's ``timeout`` applies to kernels only).
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import time
from datetime import datetime
from pathlib import Path

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from myst_nb.core.execute.base import ExecutionError, NotebookClientBase
from traitlets.config import Config

IN_PROCESS = "in-process"
KERNEL = "kernel"
MODES = (IN_PROCESS, KERNEL)
# What an IPython kernel reports about itself (myst-nb reads the code lexer from it).
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": platform.python_version(),
}


class _Collector:
    """The outputs of the cell being run, in the order the cell produced them."""

    def __init__(self, execution_count: int) -> None:
        self.execution_count = execution_count  # the cell's number in its page, as a kernel counts
        self.outputs: list = []
        self.streams = {"stdout": io.StringIO(), "stderr": io.StringIO()}

    def flush_stream(self) -> None:
        for name, stream in self.streams.items():
            if stream.getvalue():
                self.outputs.append(nbformat.v4.new_output("stream", name=name, text=stream.getvalue()))
                stream.seek(0)
                stream.truncate()


class _Publisher(DisplayPublisher):
    """``display(...)``: a display_data output, metadata kept (myst-nb's glue lives there)."""

    collector: _Collector | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        if self.collector is None:
            # Between pages the shell stays this process's IPython instance, which a later
            # display() in the same process (a test calling the chapters' code) reaches: print.
            super().publish(data, metadata, transient=transient, update=update, **kwargs)
            return
        self.collector.flush_stream()
        self.collector.outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    def clear_output(self, wait=False) -> None:
        if self.collector is not None:
            self.collector.outputs.clear()


class _ResultHook(DisplayHook):
    """The value of a cell's last expression: an execute_result output."""

    collector: _Collector | None = None

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.collector.flush_stream()
        self.collector.outputs.append(
            nbformat.v4.new_output(
                "execute_result",
                data=format_dict,
                metadata=md_dict or {},
                execution_count=self.collector.execution_count,
            )
        )

    def finish_displayhook(self) -> None:
        pass


class _Shell(InteractiveShell):
    """An IPython shell whose displays, results and errors become the cell's outputs."""

    displayhook_class = _ResultHook
    display_pub_class = _Publisher
    collector: _Collector | None = None

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.collector.flush_stream()
        self.collector.outputs.append(
            nbformat.v4.new_output("error", ename=etype.__name__, evalue=str(evalue), traceback=list(stb))
        )


def _shell() -> _Shell:
    if _Shell.initialized():
        return _Shell.instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "nocolor"
    # No output cache (``_1``, ``Out``): a page's cells never read it, and with it every reset
    # between pages forces a full garbage collection (IPython's displayhook.flush), about 0.2 s
    # a page.
    config.InteractiveShell.cache_size = 0
    return _Shell.instance(config=config)


class InProcessClient(NotebookClientBase):
    """myst-nb's execution client for one page, run in this process (see the module's text)."""

    def start_client(self) -> None:
        if self.path is None:
            raise ValueError("in-process execution needs the page's file")
        shell = _shell()
        shell.reset(new_session=False)  # a fresh namespace for every page
        self.notebook.metadata["language_info"] = LANGUAGE_INFO
        started = time.perf_counter()
        error = None
        count = 0
        previous_cwd = Path.cwd()
        os.chdir(self.path.parent)
        try:
            for cell in self.notebook.cells:
                if cell.cell_type != "code":
                    continue
                count += 1
                collector = _Collector(count)
                shell.collector = shell.display_pub.collector = shell.displayhook.collector = collector
                with (
                    contextlib.redirect_stdout(collector.streams["stdout"]),
                    contextlib.redirect_stderr(collector.streams["stderr"]),
                ):
                    result = shell.run_cell(cell.source, store_history=True)
                collector.flush_stream()
                cell.execution_count = count
                cell.outputs = collector.outputs
                if not result.success:
                    error = next((o for o in collector.outputs if o.output_type == "error"), None)
                    error = error or nbformat.v4.new_output(
                        "error", ename="Error", evalue="the cell failed", traceback=[]
                    )
                    break
        finally:
            os.chdir(previous_cwd)
            shell.collector = shell.display_pub.collector = shell.displayhook.collector = None
        runtime = time.perf_counter() - started
        traceback = "\n".join(error.traceback) if error is not None else None
        if error is not None:
            if self.nb_config.execution_raise_on_error:
                raise ExecutionError(str(self.path))
            message = f"Executing notebook failed: {error.ename}: {error.evalue}"
            if self.nb_config.execution_show_tb and traceback:
                message += "\n" + traceback
            self.logger.warning(message, subtype="exec")
        else:
            self.logger.info(f"Executed notebook in {runtime:.2f} seconds (in process)")
        self.exec_metadata = {
            "mtime": datetime.now().timestamp(),
            "runtime": runtime,
            "method": IN_PROCESS,
            "succeeded": error is None,
            "error": error.ename if error is not None else None,
            "traceback": traceback,
        }


def install(mode: str) -> None:
    """Make myst-nb's Sphinx parser execute ``force`` pages in process (``mode`` "in-process")."""
    import myst_nb.sphinx_ as parser
    from myst_nb.core.execute import create_client as kernel_client

    if mode == KERNEL:
        parser.create_client = kernel_client
        return

    def create_client(notebook, source, nb_config, logger, read_fmt=None):
        if nb_config.execution_mode != "force" or nb_config.execution_excludepatterns:
            return kernel_client(notebook, source, nb_config, logger, read_fmt)
        return InProcessClient(notebook, Path(source), nb_config, logger)

    parser.create_client = create_client
