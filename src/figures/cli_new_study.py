"""``hepmet new-study``: scaffold ``data/studies/<key>.yaml`` (every field explained) and its reference
stub, optionally pre-filled from a record of the screening log."""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

from figures import paths, references, rounds, screening_log
from figures.cli import progress
from figures.schemas import CITATION_KEY, CITATION_KEY_RULE


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
            print(
                f"hepmet: {args.from_record}: no such record in data/screening/ (ids look like r2-001)", file=sys.stderr
            )
            return 1
    key = args.key or (rounds.citation_key(record) if record else None)
    if key is None:
        what = f"record {args.from_record} lists no author or year, so" if record else "without --from-record"
        print(
            f"hepmet: {what} a citation key is needed: hepmet new-study KEY"
            + (f" --from-record {args.from_record}" if record else ""),
            file=sys.stderr,
        )
        return 2
    if not CITATION_KEY.match(key):
        print(f"hepmet: '{key}' {CITATION_KEY_RULE}", file=sys.stderr)
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
    progress(f"wrote {study.relative_to(root)}: fill it from the paper")
    if reference.exists():
        progress(f"kept {reference.relative_to(root)} (exists)")
    else:
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(_reference_stub(templates, key, record), encoding="utf-8")
        progress(
            f"wrote {reference.relative_to(root)}: "
            + ("check the metadata against the paper" if record else "fill in the paper's metadata")
        )
    if record:
        progress(f"when the study file is filled in: hepmet screen --decide {record['id']} include --study {key}")
    progress("then run `hepmet validate` until it reports no problem")
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
    extra += (
        f"  note         = {{metadata pre-filled from record {record['id']} of the screening log; "
        "check it against the paper},\n"
    )
    text = text.replace("  x-confidence = {recalled},\n", extra + "  x-confidence = {recalled},\n")
    return text.replace("x-source     = {}", f"x-source     = {{{record.get('url') or ''}}}")
