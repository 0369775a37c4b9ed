"""Command line of the review: ``hepmet validate``, ``new-study``, ``build``, ``editions``.

Errors are messages, never tracebacks: every problem of the dataset is printed as
``file:line: field: message`` and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

from figures import paths
from figures.validate import validate_dataset

CITATION_KEY = re.compile(r"^[a-z][a-z0-9]*[0-9]{4}[a-z0-9]+$")


PDF_NAME = "hepmet-review.pdf"  # latex_documents.targetname in _config.yml, as .pdf


def _progress(message: str) -> None:
    print(f"[hepmet] {message}", flush=True)


def cmd_validate(args: argparse.Namespace) -> int:
    from figures import declared_editions

    root = paths.project_root(Path(args.root))
    problems = validate_dataset(root / "data")
    try:
        declared_editions.read(root)  # the file alone: its commits are checked by `hepmet editions --check`
    except declared_editions.EditionsFileError as err:
        problems = [*problems, *err.problems]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {root / 'data'}", file=sys.stderr)
        return 1
    _progress(f"dataset valid: {root / 'data'}")
    return 0


# Nothing lost, no partial site: Jupyter Book writes into a working folder that keeps its state
# between builds (doctrees, executed notebooks, dependency digests: incremental builds), and the
# published folder (_build/html or _build/latex) is replaced only after a build that succeeded.
WORK_DIR = ".work"
OUTPUT_DIRS = {"html": "html", "pdflatex": "latex"}


def work_output(root: Path, builder: str) -> Path:
    """Where Jupyter Book writes ``builder``'s output before it is published."""
    # jupyter-book appends "_build" to --path-output.
    return root / "_build" / WORK_DIR / "_build" / OUTPUT_DIRS[builder]


def build_state(root: Path) -> Path:
    """The state figures.sphinx_ext keeps beside the doctrees (digests, dependencies, executed pages)."""
    return root / "_build" / WORK_DIR / "_build" / ".hepmet"


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
    (work_output(root, builder).parent / ".doctrees" / "environment.pickle").unlink(missing_ok=True)
    if builder == "pdflatex":
        for record in work_output(root, builder).glob("*.fdb_latexmk"):
            record.unlink()


def cmd_new_study(args: argparse.Namespace) -> int:
    """Write data/studies/<key>.yaml (every field explained) and, if absent, its reference stub."""
    root = paths.project_root(Path(args.root))
    key = args.key
    if not CITATION_KEY.match(key):
        print(f"hepmet: '{key}' is not a citation key: lowercase first author, year, first word of the title (e.g. ehrlich2009hepatic)", file=sys.stderr)
        return 2
    study = root / "data" / "studies" / f"{key}.yaml"
    reference = root / "data" / "references" / f"{key}.bib"
    if study.exists():
        print(f"hepmet: {study.relative_to(root)} exists already: edit it, or choose another key", file=sys.stderr)
        return 1
    templates = resources.files("figures") / "templates"
    study.parent.mkdir(parents=True, exist_ok=True)
    study.write_text((templates / "study.yaml").read_text(encoding="utf-8").format(key=key), encoding="utf-8")
    _progress(f"wrote {study.relative_to(root)}: fill it from the paper")
    if reference.exists():
        _progress(f"kept {reference.relative_to(root)} (exists)")
    else:
        reference.write_text((templates / "reference.bib").read_text(encoding="utf-8").format(key=key), encoding="utf-8")
        _progress(f"wrote {reference.relative_to(root)}: fill in the paper's metadata")
    _progress("then run `hepmet validate` until it reports no problem")
    return 0


def _jupyter_book(root: Path, builder: str, strict: bool, fresh: bool) -> int:
    # jupyter_book.cli.main has no __main__ guard: call its click entry point. (No parallel
    # reading: sphinx_multitoc_numbering is not declared parallel-safe, so Sphinx would read
    # serially anyway and warn; see docs/BENCHMARK.md.)
    command = [
        sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root),
        "--builder", builder, "--path-output", str(root / "_build" / WORK_DIR),
    ]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    if fresh:
        command += ["--all"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")])))
    log = root / "_build" / f"{builder}-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        _forget_failed_build(root, builder)
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()
        messages = [l for l in tail if ("WARNING" in l or "ERROR" in l or "Error" in l) and "IPKernelApp" not in l]
        for line in (messages or tail)[-40:]:
            print(line, file=sys.stderr)
        published = root / "_build" / OUTPUT_DIRS[builder]
        print(f"[hepmet] {builder} build failed; {published} was left as it was; full log: {log}", file=sys.stderr)
        return result.returncode
    _publish(work_output(root, builder), root / "_build" / OUTPUT_DIRS[builder])
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    root = paths.project_root(Path(args.root))
    started = time.monotonic()
    _progress("1/3 validating the dataset")
    if cmd_validate(args) != 0:
        return 1
    builder = "pdflatex" if args.pdf else "html"
    _progress(f"2/3 building the {'PDF edition' if args.pdf else 'site'} (executing changed chapters)")
    code = _jupyter_book(root, builder, strict=not args.lenient, fresh=args.all)
    if code != 0:
        return code
    if args.pdf:
        target = root / "_build" / "latex" / PDF_NAME
    else:
        target = root / "_build" / "html" / "index.html"
    _progress(f"3/3 done in {time.monotonic() - started:.0f} s: open {target}")
    return 0


def cmd_editions(args: argparse.Namespace) -> int:
    """Check the declared editions, tag them locally, or build them all into one versioned site."""
    from figures import multiversion

    root = paths.project_root(Path(args.root))
    out = Path(args.out) if args.out else root / "_build" / "editions"
    started = time.monotonic()
    try:
        if args.check:
            declared = multiversion.check_declarations(root)
            _progress(f"editions.yaml is valid: {len(declared)} edition(s) declared ({', '.join(e.version for e in declared) or 'none yet'})")
            return 0
        if args.tag:
            created = multiversion.tag_editions(root, progress=_progress)
            _progress(f"{len(created)} tag(s) created; push them only if you want them published (nothing needs them)")
            return 0
        slots = multiversion.build_site(
            root, out.resolve(), pdf=not args.no_pdf, base_url=args.base_url,
            include_dev=not args.no_dev, only=args.only, progress=_progress,
        )
    except multiversion.EditionsError as err:
        print(f"hepmet: {err}", file=sys.stderr)
        return 1
    _progress(f"{len(slots)} edition(s) in {time.monotonic() - started:.0f} s: serve {out} over HTTP")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hepmet", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="the project folder (default: here)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check every file under data/ and print every problem")
    new_study = sub.add_parser("new-study", help="scaffold data/studies/<key>.yaml and its reference")
    new_study.add_argument("key", help="citation key: first author, year, first title word (e.g. ehrlich2009hepatic)")
    build = sub.add_parser("build", help="validate the data, then build the site (or the PDF)")
    build.add_argument("--pdf", action="store_true", help="build the PDF edition (needs TeX)")
    build.add_argument("--all", action="store_true", help="re-read and re-execute every page")
    build.add_argument("--lenient", action="store_true", help="do not turn warnings into errors")
    editions = sub.add_parser("editions", help="build every edition declared in editions.yaml into one versioned site")
    editions.add_argument("--check", action="store_true", help="only check editions.yaml against the repository")
    editions.add_argument("--tag", action="store_true", help="only create a local tag v<version> at each declared commit")
    editions.add_argument("--out", help="output folder (default: _build/editions)")
    editions.add_argument("--base-url", default="/", help="where the site is served (default: /)")
    editions.add_argument("--no-pdf", action="store_true", help="skip the PDF of each edition")
    editions.add_argument("--no-dev", action="store_true", help="only the declared editions")
    editions.add_argument("--only", nargs="+", metavar="FOLDER", help="rebuild only these editions (e.g. 1.0.0 dev)")
    args = parser.parse_args(argv)
    try:
        commands = {"validate": cmd_validate, "new-study": cmd_new_study, "build": cmd_build, "editions": cmd_editions}
        return commands[args.command](args)
    except FileNotFoundError as err:
        print(f"hepmet: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
