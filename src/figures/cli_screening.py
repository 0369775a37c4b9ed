"""``hepmet search``, ``hepmet import`` and ``hepmet screen``: the commands that keep the screening
log (docs/SEARCH.md). A failure writes nothing: the log is as it was."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from figures import exports, paths, pubmed, rounds, screening_log
from figures.cli import progress


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


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
    progress(
        f"wrote {path.relative_to(root)}: {c.identified} record(s), {c.removed} removed as already known, {c.awaiting} "
        "to screen"
    )
    if c.awaiting:
        progress("next: hepmet screen")


def cmd_search(args: argparse.Namespace) -> int:
    """Run the saved searches of data/searches.yaml against PubMed; append the new round."""
    root = paths.project_root(Path(args.root))
    try:
        path = rounds.search_round(root / "data", args.date or _today(), only=args.only, progress=progress)
    except (screening_log.ScreeningLogError, pubmed.SearchError) as err:
        return _report_log_error("search", err)
    _print_round_summary(root, path)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Read a MEDLINE or RIS export; append its records as a new round."""
    root = paths.project_root(Path(args.root))
    try:
        path = rounds.import_round(
            root / "data", Path(args.file), args.date or _today(), args.format, args.database, args.query, args.topic
        )
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
    progress(
        f"{record['id']}: {record['decision']}"
        + (f" ({record['reason']})" if record["reason"] else "")
        + (f" -> {record['study']}" if record["study"] else "")
    )
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
                key = _ask(
                    "    study key (data/studies/<key>.yaml must "
                    f"exist{'; suggested: ' + suggestion if suggestion else ''})? "
                )
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
            print(
                f"hepmet screen: an exclusion needs --reason, one of: {', '.join(screening_log.REASONS)}",
                file=sys.stderr,
            )
            return 2
        if decision == "include" and not args.study:
            print(
                "hepmet screen: an inclusion needs --study KEY (write the study first: hepmet new-study --from-record "
                f"{ident})",
                file=sys.stderr,
            )
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
        progress(
            f"round {round_['round']}: {c.identified} identified, {c.removed} removed, {c.screened} screened, "
            f"{c.excluded} excluded, {c.awaiting} to screen, {c.included} included"
        )
    return 0
