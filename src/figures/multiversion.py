"""Build every edition (each git tag ``v*``, and the development state) into one versioned site.

Layout of the output folder::

    versions.json        the version switcher's list (pydata-sphinx-theme format)
    index.html           a redirect to latest/
    v1/ v2/ ...          one folder per edition, each with its PDF beside its pages
    dev/                 the last commit, when it is past the latest tag
    latest/              a copy of the newest edition

Each edition is built from a clone of the repository checked out at its tag, with that tag's own
code, and with ``SOURCE_DATE_EPOCH`` set to the tag's commit time: rebuilding a tag gives the same
bytes. Old editions learn about newer ones at run time, from ``versions.json``, so they are never
rebuilt to add a newer edition to the switcher.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from figures import edition, paths

DEV_SLOT = "dev"
LATEST_SLOT = "latest"
VERSIONS_FILE = "versions.json"
PDF_BUILT = "hepmet-review.pdf"  # latex_documents.targetname in _config.yml, as .pdf


class EditionsError(Exception):
    """A build of one edition failed; the message names the edition and its log."""


@dataclass(frozen=True)
class Slot:
    folder: str          # folder in the site: the tag, or "dev"
    revision: str        # what git checks out
    version: str         # the edition's version as its pages state it (the switcher matches it)

    @property
    def pdf_name(self) -> str:
        return f"hepmet-review-{self.folder}.pdf"


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise EditionsError(f"git {' '.join(args)} failed in {root}: {result.stderr.strip()}")
    return result.stdout.strip()


def plan(root: Path, include_dev: bool = True) -> list[Slot]:
    """The editions to build, oldest first; "dev" only when HEAD is past the newest tag."""
    if not edition.is_checkout(root):
        raise EditionsError(f"{root} is not a git checkout: the editions are its tags")
    slots = [Slot(tag, tag, tag) for tag in edition.edition_tags(root, before=None)]
    head_version = edition.read_edition(root).version
    if include_dev and head_version not in {s.version for s in slots}:
        slots.append(Slot(DEV_SLOT, _git(root, "rev-parse", "HEAD"), head_version))
    return slots


def _run(command: list[str], cwd: Path, env: dict, log: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        # The clone is deleted after the build: keep its build logs beside this one.
        for build_log in (cwd / "_build").glob("*.log"):
            shutil.copyfile(build_log, log.with_name(f"{log.stem}-{build_log.name}"))
        raise EditionsError(f"{what} failed; its output is in {log.parent}:\n{result.stderr.strip()[-3000:]}")


def build_slot(root: Path, slot: Slot, target: Path, pdf: bool, logs: Path) -> None:
    """Build one edition from a clean clone at its revision into ``target`` (replaced)."""
    with tempfile.TemporaryDirectory(prefix=f"hepmet-{slot.folder}-") as scratch:
        clone = Path(scratch) / "review"
        _git(root, "clone", "--quiet", "--shared", "--no-checkout", str(root), str(clone))
        _git(clone, "checkout", "--quiet", "--detach", slot.revision)
        env = dict(
            os.environ,
            PYTHONPATH=str(clone / "src"),
            SOURCE_DATE_EPOCH=_git(clone, "log", "-1", "--format=%ct", "HEAD"),
            FORCE_SOURCE_DATE="1",
            **{edition.SWITCHER_VAR: f"../{VERSIONS_FILE}"},
        )
        if pdf:
            env[edition.PDF_VAR] = slot.pdf_name
        env.pop(paths.DATA_DIR_VAR, None)  # the clone's own data, not this process's
        command = [sys.executable, "-m", "figures.cli", "--root", str(clone), "build", "--all"]
        _run(command, clone, env, logs / f"{slot.folder}-html.log", f"the HTML build of {slot.folder}")
        if pdf:
            _run([*command, "--pdf"], clone, env, logs / f"{slot.folder}-pdf.log", f"the PDF build of {slot.folder}")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(clone / "_build" / "html", target)
        if pdf:
            shutil.copyfile(clone / "_build" / "latex" / PDF_BUILT, target / slot.pdf_name)


def versions_json(slots: list[Slot], base_url: str) -> list[dict]:
    """The switcher's entries, newest first; the newest tag is the preferred ("latest") one."""
    tags = [s for s in slots if s.folder != DEV_SLOT]
    latest = tags[-1] if tags else None
    entries = []
    for slot in reversed(slots):
        entry = {"name": slot.folder, "version": slot.version, "url": f"{base_url}{slot.folder}/"}
        if slot.folder == DEV_SLOT:
            entry["name"] = f"{DEV_SLOT} ({slot.version})"
        if slot is latest:
            entry["name"] = f"{slot.folder} (latest)"
            entry["preferred"] = True
        entries.append(entry)
    return entries


def _redirect(target: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={target}"><title>Redirecting</title></head>'
        f'<body><a href="{target}">The latest edition</a></body></html>\n'
    )


def build_site(root: Path, out: Path, *, pdf: bool, base_url: str = "/", include_dev: bool = True,
               only: list[str] | None = None, progress=print) -> list[Slot]:
    """Build the editions of ``root`` into ``out``; ``only`` rebuilds just those folders.

    ``versions.json``, ``latest/`` and the root redirect are written once every edition's folder
    is there.
    """
    if not base_url.endswith("/"):
        base_url += "/"
    slots = plan(root, include_dev)
    out.mkdir(parents=True, exist_ok=True)
    logs = out.parent / f"{out.name}-logs"
    logs.mkdir(parents=True, exist_ok=True)
    for number, slot in enumerate(slots, 1):
        if only and slot.folder not in only:
            continue
        progress(f"edition {number}/{len(slots)}: {slot.folder} ({slot.version})")
        build_slot(root, slot, out / slot.folder, pdf, logs)
    missing = [s.folder for s in slots if not (out / s.folder).is_dir()]
    if missing:  # e.g. one old edition rebuilt to check that it reproduces
        progress(f"site index not written: {', '.join(missing)} not built in {out}")
        return slots
    tags = [s for s in slots if s.folder != DEV_SLOT]
    newest = (tags or slots)[-1]
    shutil.rmtree(out / LATEST_SLOT, ignore_errors=True)
    shutil.copytree(out / newest.folder, out / LATEST_SLOT)
    (out / VERSIONS_FILE).write_text(json.dumps(versions_json(slots, base_url), indent=2) + "\n", encoding="utf-8")
    (out / "index.html").write_text(_redirect(f"{LATEST_SLOT}/index.html"), encoding="utf-8")
    (out / ".nojekyll").write_text("", encoding="utf-8")  # serve _static/ as is on GitHub Pages
    return slots
