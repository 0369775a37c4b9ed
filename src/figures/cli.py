"""Command line of the review: validate, new-study, build, editions, search, import, screen.

``search``, ``import`` and ``screen`` keep the screening log (docs/SEARCH.md).

Errors are messages, never tracebacks: every problem of the dataset is printed as
``file:line: field: message`` and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from figures import exports, paths, pubmed, references, rounds, screening_log
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
    """Write data/studies/<key>.yaml (every field explained) and, if absent, its reference stub.

    With ``--from-record ID`` the label and the reference are pre-filled from that record of the
    screening log, and the key, when not given, is suggested from its first author, year and title.
    """
    root = paths.project_root(Path(args.root))
    record = None
    if args.from_record:
        try:
            _, record = screening_log.find_record(screening_log.load_rounds(root / "data"), args.from_record)
        except KeyError:
            print(f"hepmet: {args.from_record}: no such record in data/screening/ (ids look like r2-001)", file=sys.stderr)
            return 1
    key = args.key or (rounds.citation_key(record) if record else None)
    if key is None:
        what = f"record {args.from_record} lists no author or year, so" if record else "without --from-record"
        print(f"hepmet: {what} a citation key is needed: hepmet new-study KEY" + (f" --from-record {args.from_record}" if record else ""), file=sys.stderr)
        return 2
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
    text = (templates / "study.yaml").read_text(encoding="utf-8").format(key=key)
    if record and record.get("authors"):
        label = f"{record['authors'][0].split(',')[0]} {record['year']}"
        text = text.replace("\nlabel: null ", f"\nlabel: {json.dumps(label, ensure_ascii=False)} ", 1)
    study.write_text(text, encoding="utf-8")
    _progress(f"wrote {study.relative_to(root)}: fill it from the paper")
    if reference.exists():
        _progress(f"kept {reference.relative_to(root)} (exists)")
    else:
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(_reference_stub(templates, key, record), encoding="utf-8")
        _progress(f"wrote {reference.relative_to(root)}: " + ("check the metadata against the paper" if record else "fill in the paper's metadata"))
    if record:
        _progress(f"when the study file is filled in: hepmet screen --decide {record['id']} include --study {key}")
    _progress("then run `hepmet validate` until it reports no problem")
    return 0


def _reference_stub(templates, key: str, record: dict | None) -> str:
    """The reference stub; pre-filled from a screening record (marked recalled until checked)."""
    text = (templates / "reference.bib").read_text(encoding="utf-8").format(key=key)
    if not record:
        return text
    fields = {
        "author": " and ".join(record.get("authors") or []),
        "title": record["title"],
        "journal": record.get("journal") or "",
        "year": "" if record["year"] is None else str(record["year"]),
    }
    for name, value in fields.items():
        text = text.replace(f"{name:<12} = {{}}", f"{name:<12} = {{{references.bibtex_value(value)}}}")
    seen = [(name, record[name]) for name in ("doi", "pmid", "pmcid") if record.get(name)]
    extra = "".join(f"  {name:<12} = {{{references.bibtex_value(value)}}},\n" for name, value in seen)
    extra += f"  note         = {{metadata pre-filled from record {record['id']} of the screening log; check it against the paper}},\n"
    text = text.replace("  x-confidence = {recalled},\n", extra + "  x-confidence = {recalled},\n")
    return text.replace("x-source     = {}", f"x-source     = {{{record.get('url') or ''}}}")


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def _report_log_error(command: str, err: Exception) -> int:
    problems = err.problems if isinstance(err, screening_log.ScreeningLogError) else [str(err)]
    for problem in problems:
        print(problem if ":" in problem.split(" ")[0] else f"hepmet {command}: {problem}", file=sys.stderr)
    print(f"hepmet {command}: nothing was written; the screening log is as it was", file=sys.stderr)
    return 1


def _print_round_summary(root: Path, path: Path) -> None:
    number = int(screening_log.ROUND_FILE.match(path.name).group(1))
    round_ = screening_log.load_rounds(root / "data")[number - 1]
    c = screening_log.prisma_counts(round_)
    _progress(f"wrote {path.relative_to(root)}: {c.identified} record(s), {c.removed} removed as already known, {c.awaiting} to screen")
    if c.awaiting:
        _progress("next: hepmet screen")


def cmd_search(args: argparse.Namespace) -> int:
    """Run the saved searches of data/searches.yaml against PubMed; append the new round."""
    root = paths.project_root(Path(args.root))
    try:
        path = rounds.search_round(root / "data", args.date or _today(), only=args.only, progress=_progress)
    except (screening_log.ScreeningLogError, pubmed.SearchError) as err:
        return _report_log_error("search", err)
    _print_round_summary(root, path)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Read a MEDLINE or RIS export; append its records as a new round."""
    root = paths.project_root(Path(args.root))
    try:
        path = rounds.import_round(root / "data", Path(args.file), args.date or _today(), args.format, args.database, args.query, args.topic)
    except (screening_log.ScreeningLogError, exports.ExportError) as err:
        return _report_log_error("import", err)
    except FileNotFoundError:
        print(f"hepmet import: {args.file}: no such file", file=sys.stderr)
        return 2
    _print_round_summary(root, path)
    return 0


def _show_record(record: dict) -> str:
    lines = [f"{record['id']}  {record['title']}"]
    details = [str(record["year"]) if record["year"] else None, record.get("journal")]
    details += [f"{name.upper()} {record[name]}" for name in ("pmid", "doi", "pmcid") if record.get(name)]
    lines.append("    " + "; ".join(d for d in details if d))
    if record.get("url"):
        lines.append(f"    {record['url']}")
    return "\n".join(lines)


def _decide(root: Path, ident: str, decision: str, reason, study, note) -> bool:
    try:
        record = rounds.decide(root / "data", ident, decision, reason, study, note)
    except screening_log.ScreeningLogError as err:
        _report_log_error("screen", err)
        return False
    _progress(f"{record['id']}: {record['decision']}" + (f" ({record['reason']})" if record["reason"] else "") + (f" -> {record['study']}" if record["study"] else ""))
    return True


def _ask(prompt: str, allowed: set[str] | None = None) -> str | None:
    while True:
        try:
            answer = input(prompt).strip()
        except EOFError:
            return None
        if allowed is None or answer in allowed:
            return answer
        print(f"    one of: {', '.join(sorted(allowed))}")


def _screen_interactively(root: Path, waiting: list[dict]) -> int:
    codes = set(screening_log.REASONS)
    for number, record in enumerate(waiting, start=1):
        print(f"\n[{number}/{len(waiting)}] {_show_record(record)}")
        while True:
            choice = _ask("include (i), exclude (e), skip (s), quit (q)? ", {"i", "e", "s", "q"})
            if choice in {None, "q"}:
                return 0
            if choice == "s":
                break
            if choice == "e":
                print("    reasons: " + ", ".join(screening_log.REASONS))
                reason = _ask("    reason code? ", codes)
                if reason is not None and _decide(root, record["id"], "exclude", reason, None, None):
                    break
            else:
                suggestion = rounds.citation_key(record)
                key = _ask(f"    study key (data/studies/<key>.yaml must exist{'; suggested: ' + suggestion if suggestion else ''})? ")
                if key and _decide(root, record["id"], "include", None, key, None):
                    break
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    """List the records still to screen, record one decision, or screen them one by one (a terminal)."""
    root = paths.project_root(Path(args.root))
    if args.decide:
        ident, decision = args.decide
        if decision not in {"include", "exclude"}:
            print(f"hepmet screen: '{decision}' is not a decision: include or exclude", file=sys.stderr)
            return 2
        if decision == "exclude" and not args.reason:
            print(f"hepmet screen: an exclusion needs --reason, one of: {', '.join(screening_log.REASONS)}", file=sys.stderr)
            return 2
        if decision == "include" and not args.study:
            print(f"hepmet screen: an inclusion needs --study KEY (write the study first: hepmet new-study --from-record {ident})", file=sys.stderr)
            return 2
        return 0 if _decide(root, ident, decision, args.reason, args.study, args.note) else 1
    try:
        log = screening_log.load_rounds(root / "data")
    except screening_log.ScreeningLogError as err:
        return _report_log_error("screen", err)
    waiting = [r for r in rounds.awaiting(log) if args.round is None or r["id"].startswith(f"r{args.round}-")]
    if not args.list and sys.stdin.isatty() and waiting:
        return _screen_interactively(root, waiting)
    for record in waiting:
        print(_show_record(record))
    for round_ in log if args.round is None else [r for r in log if r["round"] == args.round]:
        c = screening_log.prisma_counts(round_)
        _progress(f"round {round_['round']}: {c.identified} identified, {c.removed} removed, {c.screened} screened, {c.excluded} excluded, {c.awaiting} to screen, {c.included} included")
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
    new_study.add_argument("key", nargs="?", help="citation key: first author, year, first title word (e.g. ehrlich2009hepatic)")
    new_study.add_argument("--from-record", metavar="ID", help="pre-fill from a record of the screening log (e.g. r3-001)")
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
    screen.add_argument("--decide", nargs=2, metavar=("ID", "DECISION"), help="record a decision: r3-001 include|exclude")
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
    editions.add_argument("--tag", action="store_true", help="only create a local tag v<version> at each declared commit")
    editions.add_argument("--out", help="output folder (default: _build/editions)")
    editions.add_argument("--base-url", default="/", help="where the site is served (default: /)")
    editions.add_argument("--no-pdf", action="store_true", help="skip the PDF of each edition")
    editions.add_argument("--no-dev", action="store_true", help="only the declared editions")
    editions.add_argument("--only", nargs="+", metavar="FOLDER", help="rebuild only these editions (e.g. 1.0.0 dev)")
    args = parser.parse_args(argv)
    try:
        commands = {
            "validate": cmd_validate, "new-study": cmd_new_study, "build": cmd_build, "editions": cmd_editions,
            "search": cmd_search, "import": cmd_import, "screen": cmd_screen,
        }
        return commands[args.command](args)
    except FileNotFoundError as err:
        print(f"hepmet: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
