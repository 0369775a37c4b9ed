"""Command line of the review: validate, new-study, build, editions, search, import, screen.

This module reads the command line and runs one command: ``validate`` and ``editions`` here,
``build`` in :mod:`figures.cli_build`, ``new-study`` in :mod:`figures.cli_new_study`, and
``search``, ``import``, ``screen`` (the screening log, docs/SEARCH.md) in :mod:`figures.cli_screening`.

Errors are messages, never tracebacks: every problem of the dataset is printed as
``file:line: field: message`` and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from figures import chapter_citations, exports, paths, screening_log


def progress(message: str) -> None:
    print(f"[hepmet] {message}", flush=True)


def cmd_validate(args: argparse.Namespace, store: Path | None = None) -> int:
    """``hepmet validate``; ``hepmet build`` passes the store where its build finds the dataset."""
    from figures import declared_editions

    root = paths.project_root(Path(args.root))
    problems = chapter_citations.project_problems(root, store)
    try:
        declared_editions.read(root)  # the file alone: its commits are checked by `hepmet editions --check`
    except declared_editions.EditionsFileError as err:
        problems = [*problems, *err.problems]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {root / 'data'}", file=sys.stderr)
        return 1
    progress(f"dataset valid: {root / 'data'}")
    return 0


def cmd_editions(args: argparse.Namespace) -> int:
    """Check the declared editions, tag them locally, or build them all into one versioned site."""
    from figures import multiversion

    root = paths.project_root(Path(args.root))
    out = Path(args.out) if args.out else root / paths.BUILD_DIR / "editions"
    started = time.monotonic()
    try:
        if args.check:
            declared = multiversion.check_declarations(root)
            progress(
                f"editions.yaml is valid: {len(declared)} edition(s) declared "
                f"({', '.join(e.version for e in declared) or 'none yet'})"
            )
            return 0
        if args.tag:
            created = multiversion.tag_editions(root, progress=progress)
            progress(f"{len(created)} tag(s) created; push them only if you want them published (nothing needs them)")
            return 0
        slots = multiversion.build_site(
            root,
            out.resolve(),
            pdf=not args.no_pdf,
            base_url=args.base_url,
            include_dev=not args.no_dev,
            only=args.only,
            progress=progress,
        )
    except multiversion.EditionsError as err:
        print(f"hepmet: {err}", file=sys.stderr)
        return 1
    progress(f"{len(slots)} edition(s) in {time.monotonic() - started:.0f} s: serve {out} over HTTP")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hepmet", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="the project folder (default: here)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check every file under data/ and print every problem")
    new_study = sub.add_parser("new-study", help="scaffold data/studies/<key>.yaml and its reference")
    new_study.add_argument(
        "key", nargs="?", help="citation key: first author, year, first title word (e.g. ehrlich2009hepatic)"
    )
    new_study.add_argument(
        "--from-record", metavar="ID", help="pre-fill from a record of the screening log (e.g. r3-001)"
    )
    search = sub.add_parser("search", help="run the saved searches (data/searches.yaml) against PubMed; add a round")
    search.add_argument("--only", nargs="+", metavar="ID", help="run only these saved searches")
    search.add_argument("--date", help="the round's date (default: today, UTC)")
    import_ = sub.add_parser("import", help="read a MEDLINE or RIS export; add its records as a round")
    import_.add_argument("file", help="the exported file")
    import_.add_argument("--format", choices=exports.FORMATS, help="default: from the file's first tag")
    import_.add_argument("--database", help="where the records were exported from, e.g. Embase")
    import_.add_argument("--query", help="the query that was run there, as written")
    import_.add_argument("--topic", default="general", help="a tumour code, or general (default)")
    import_.add_argument("--date", help="the round's date (default: today, UTC)")
    screen = sub.add_parser("screen", help="list the records to screen, or record a decision")
    screen.add_argument(
        "--decide", nargs=2, metavar=("ID", "DECISION"), help="record a decision: r3-001 include|exclude"
    )
    screen.add_argument("--reason", choices=list(screening_log.REASONS), help="why a record is excluded")
    screen.add_argument("--study", help="the citation key of an included record's study file")
    screen.add_argument("--note", help="a note on the decision, in your words")
    screen.add_argument("--round", type=int, help="only this round")
    screen.add_argument("--list", action="store_true", help="list, even in a terminal (no prompts)")
    build = sub.add_parser("build", help="validate the data, then build the site (or the PDF)")
    build.add_argument("--pdf", action="store_true", help="build the PDF edition (needs TeX)")
    build.add_argument("--all", action="store_true", help="re-read and re-execute every page")
    build.add_argument("--lenient", action="store_true", help="do not turn warnings into errors")
    editions = sub.add_parser("editions", help="build every edition declared in editions.yaml into one versioned site")
    editions.add_argument("--check", action="store_true", help="only check editions.yaml against the repository")
    editions.add_argument(
        "--tag", action="store_true", help="only create a local tag v<version> at each declared commit"
    )
    editions.add_argument("--out", help="output folder (default: _build/editions)")
    editions.add_argument("--base-url", default="/", help="where the site is served (default: /)")
    editions.add_argument("--no-pdf", action="store_true", help="skip the PDF of each edition")
    editions.add_argument("--no-dev", action="store_true", help="only the declared editions")
    editions.add_argument("--only", nargs="+", metavar="FOLDER", help="rebuild only these editions (e.g. 1.0.0 dev)")
    args = parser.parse_args(argv)
    # The commands' modules import this one (progress, cmd_validate): imported here, once it is whole.
    from figures import cli_build, cli_new_study, cli_screening

    commands = {
        "validate": cmd_validate,
        "new-study": cli_new_study.cmd_new_study,
        "build": cli_build.cmd_build,
        "editions": cmd_editions,
        "search": cli_screening.cmd_search,
        "import": cli_screening.cmd_import,
        "screen": cli_screening.cmd_screen,
    }
    try:
        return commands[args.command](args)
    except FileNotFoundError as err:
        print(f"hepmet: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
