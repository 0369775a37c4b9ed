"""``hepmet build``: validate, then build the site or the PDF, staged.

Nothing lost, no partial site: Jupyter Book writes into a working folder that keeps its state
between builds (:func:`figures.paths.work_dir`), and the published folder (``_build/html`` or
``_build/latex``) is replaced only after a build that succeeded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from figures import paths
from figures.cli import cmd_validate, progress


def _publish(built: Path, target: Path) -> None:
    """Replace ``target`` by a copy of ``built``; ``target`` stays whole until the last moment."""
    staged = target.with_name(target.name + ".new")
    previous = target.with_name(target.name + ".old")
    for leftover in (staged, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    # A copy, not hard links: Sphinx rewrites files in place, which would reach through a link.
    shutil.copytree(built, staged)
    if target.exists():
        target.rename(previous)
    staged.rename(target)
    shutil.rmtree(previous, ignore_errors=True)


def _forget_failed_build(root: Path, builder: str) -> None:
    # Sphinx records a page that warned as read, so an unchanged rebuild would pass silently: drop
    # the environment so the next build re-reads (and re-checks) every page. latexmk, after a
    # failure, reports "Nothing to do" and fails again unless its record is gone (the TeX log stays).
    (paths.work_doctrees(root) / "environment.pickle").unlink(missing_ok=True)
    if builder == "pdflatex":
        for record in paths.work_output(root, builder).glob("*.fdb_latexmk"):
            record.unlink()


def _jupyter_book(root: Path, builder: str, strict: bool, fresh: bool) -> int:
    # jupyter_book.cli.main has no __main__ guard: call its click entry point. (No parallel
    # reading: sphinx_multitoc_numbering is not declared parallel-safe, so Sphinx would read
    # serially anyway and warn; see docs/BENCHMARK.md.)
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        str(root),
        "--builder",
        builder,
        "--path-output",
        str(paths.work_dir(root)),
    ]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    if fresh:
        command += ["--all"]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")])),
        # The dataset cmd_build has just validated (figures.data_files.load_dataset).
        **{paths.DATASET_STORE_VAR: str(paths.dataset_store(root))},
    )
    log = root / paths.BUILD_DIR / f"{builder}-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        _forget_failed_build(root, builder)
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()
        messages = [
            line
            for line in tail
            if ("WARNING" in line or "ERROR" in line or "Error" in line) and "IPKernelApp" not in line
        ]
        for line in (messages or tail)[-40:]:
            print(line, file=sys.stderr)
        published = paths.published(root, builder)
        print(f"[hepmet] {builder} build failed; {published} was left as it was; full log: {log}", file=sys.stderr)
        return result.returncode
    _publish(paths.work_output(root, builder), paths.published(root, builder))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    root = paths.project_root(Path(args.root))
    started = time.monotonic()
    progress("1/3 validating the dataset")
    store = paths.dataset_store(root)
    if cmd_validate(args, store) != 0:
        return 1
    builder = "pdflatex" if args.pdf else "html"
    progress(f"2/3 building the {'PDF edition' if args.pdf else 'site'} (executing changed chapters)")
    code = _jupyter_book(root, builder, strict=not args.lenient, fresh=args.all)
    if code != 0:
        return code
    target = paths.published_pdf(root) if args.pdf else paths.published(root, builder) / "index.html"
    progress(f"3/3 done in {time.monotonic() - started:.0f} s: open {target}")
    return 0
