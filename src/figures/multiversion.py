"""Build every declared edition (``editions.yaml``) and the development state into one versioned site.

Layout of the output folder::

    versions.json        the version switcher's list (pydata-sphinx-theme format)
    index.html           a redirect to latest/
    1.0.0/ 2.0.0/ ...    one folder per declared edition, each with its PDF beside its pages
    dev/                 the last commit, when it is not itself a declared edition
    latest/              a copy of the newest declared edition

Each edition is built from a clone of the repository checked out at its declared commit, with that
commit's own code, and with ``SOURCE_DATE_EPOCH`` set to its declared date: rebuilding an edition
gives the same bytes. No tag is needed: the clone is made without tags and the build reads the
declarations of this repository (``HEPMET_EDITIONS_FILE``), which may postdate the edition's commit.
Code written before editions were declared identified an edition by a ``v<version>`` tag, so the
clone gets such local tags for the editions up to the one being built (they never leave the clone).

The site is assembled in a staging folder and replaces the previous one only once every edition
has been built: a failed run leaves the published site as it was. Old editions learn about newer
ones at run time, from ``versions.json``, so they are never rebuilt to add a newer one.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from figures import declared_editions, edition, paths

DEV_SLOT = "dev"
LATEST_SLOT = "latest"
VERSIONS_FILE = "versions.json"
_STAMP_VERSION = re.compile(r'class="hepmet-edition" data-version="([^"]*)"')


class EditionsError(Exception):
    """Building the site failed; the message names the edition and where its logs are."""


@dataclass(frozen=True)
class Slot:
    folder: str  # folder in the site: the version, or "dev"
    commit: str  # what git checks out
    declared: declared_editions.Declared | None  # None: the development state

    @property
    def pdf_name(self) -> str:
        return paths.edition_pdf_name(self.folder)

    @property
    def title(self) -> str:
        what = f"edition {self.folder}" if self.declared else "the development state"
        return f"{what} (commit {self.commit[:12]})"


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise EditionsError(f"git {' '.join(args)} failed in {root}: {result.stderr.strip()}")
    return result.stdout.strip()


def check_declarations(root: Path) -> list[declared_editions.Declared]:
    """The declared editions, after checking the file and every commit against the repository."""
    if not edition.is_checkout(root):
        raise EditionsError(f"{root} is not a git checkout: editions are built from its commits")
    problems = declared_editions.check(root)
    if problems:
        raise EditionsError("editions.yaml has problems:\n" + "\n".join(problems))
    return declared_editions.read(root)


def plan(root: Path, include_dev: bool = True) -> list[Slot]:
    """The editions to build, oldest first; "dev" only when HEAD is not a declared edition."""
    declared = check_declarations(root)
    slots = [Slot(e.version, e.commit, e) for e in declared]
    head = _git(root, "rev-parse", "HEAD")
    if include_dev and declared_editions.released_at(declared, head) is None:
        slots.append(Slot(DEV_SLOT, head, None))
    return slots


def tag_editions(root: Path, progress=print) -> list[str]:
    """Create a local tag ``v<version>`` at each declared commit (a mirror of the file); returns the new ones."""
    created = []
    for declared in check_declarations(root):
        existing = edition.git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{declared.tag}^{{commit}}")
        if existing == declared.commit:
            continue
        if existing:
            raise EditionsError(
                f"tag {declared.tag} exists at {existing[:12]}, but editions.yaml declares {declared.version} at "
                f"{declared.commit[:12]}"
            )
        _git(root, "tag", "-a", declared.tag, declared.commit, "-m", f"Edition {declared.version}: {declared.summary}")
        progress(f"tagged {declared.tag} at {declared.commit[:12]}")
        created.append(declared.tag)
    return created


def _run(command: list[str], cwd: Path, env: dict, log: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        # The clone is deleted after the build: keep its build logs beside this one.
        for build_log in (cwd / paths.BUILD_DIR).glob("*.log"):
            shutil.copyfile(build_log, log.with_name(f"{log.stem}-{build_log.name}"))
        raise EditionsError(f"{what} failed; its logs are in {log.parent}:\n{result.stderr.strip()[-3000:]}")


def build_slot(root: Path, slot: Slot, target: Path, pdf: bool, logs: Path, progress=print) -> None:
    """Build one edition from a clean clone at its commit into ``target`` (replaced)."""
    declarations = declared_editions.file_path(root).resolve()
    with tempfile.TemporaryDirectory(prefix=f"hepmet-{slot.folder}-") as scratch:
        clone = Path(scratch) / "review"
        _git(root, "clone", "--quiet", "--shared", "--no-checkout", "--no-tags", str(root), str(clone))
        _git(clone, "checkout", "--quiet", "--detach", slot.commit)
        known = declared_editions.read(root)
        for earlier in declared_editions.up_to(known, slot.declared) if slot.declared else []:
            _git(clone, "tag", earlier.tag, earlier.commit)
        epoch = slot.declared.epoch if slot.declared else int(_git(clone, "log", "-1", "--format=%ct", "HEAD"))
        env = dict(
            os.environ,
            PYTHONPATH=str(clone / "src"),
            SOURCE_DATE_EPOCH=str(epoch),
            FORCE_SOURCE_DATE="1",
            **{edition.SWITCHER_VAR: f"../{VERSIONS_FILE}"},
        )
        if declarations.is_file():
            env[declared_editions.FILE_VAR] = str(declarations)
        if pdf:
            env[edition.PDF_VAR] = slot.pdf_name
        env.pop(paths.DATA_DIR_VAR, None)  # the clone's own data, not this process's
        command = [sys.executable, "-m", "figures.cli", "--root", str(clone), "build", "--all"]
        progress(f"  {slot.folder}: HTML")
        _run(command, clone, env, logs / f"{slot.folder}-html.log", f"the HTML build of {slot.title}")
        if pdf:
            progress(f"  {slot.folder}: PDF")
            # Not --all: the PDF reuses the HTML build's execution of every page (figures.render).
            pdf_command = [*command[:-1], "--pdf"]
            _run(pdf_command, clone, env, logs / f"{slot.folder}-pdf.log", f"the PDF build of {slot.title}")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(paths.published(clone, "html"), target)
        if pdf:
            shutil.copyfile(paths.published_pdf(clone), target / slot.pdf_name)


def stated_version(folder: Path) -> str:
    """The version an edition's pages state (the switcher must match it exactly).

    A declared edition's own code may predate ``editions.yaml`` and state its mirror tag (``v1.0.0``).
    """
    for page in sorted(folder.rglob("*.html")):
        found = _STAMP_VERSION.search(page.read_text(encoding="utf-8", errors="replace"))
        if found:
            return html.unescape(found.group(1))
    raise EditionsError(f"no page of {folder} carries the edition stamp")


def versions_json(slots: list[Slot], stated: dict[str, str], base_url: str) -> list[dict]:
    """The switcher's entries, newest first; the newest declared edition is the preferred one."""
    released = [s for s in slots if s.declared]
    latest = released[-1] if released else None
    entries = []
    for slot in reversed(slots):
        entry = {"name": slot.folder, "version": stated[slot.folder], "url": f"{base_url}{slot.folder}/"}
        if slot.declared is None:
            entry["name"] = f"{DEV_SLOT} ({stated[slot.folder]})"
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


def _publish(staged: Path, out: Path) -> None:
    """Replace ``out`` by ``staged``; ``out`` stays whole until the last moment."""
    previous = out.with_name(out.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if out.exists():
        out.rename(previous)
    staged.rename(out)
    shutil.rmtree(previous, ignore_errors=True)


def build_site(
    root: Path,
    out: Path,
    *,
    pdf: bool,
    base_url: str = "/",
    include_dev: bool = True,
    only: list[str] | None = None,
    progress=print,
) -> list[Slot]:
    """Build the editions of ``root`` into ``out``; ``only`` rebuilds just those folders.

    Everything is built in a staging folder beside ``out`` (a copy of ``out`` when ``only`` is
    given) and published once every edition succeeded, with ``versions.json``, ``latest/`` and
    the root redirect.
    """
    if not base_url.endswith("/"):
        base_url += "/"
    slots = plan(root, include_dev)
    folders = [s.folder for s in slots]
    unknown = sorted(set(only or []) - set(folders))
    if unknown:
        raise EditionsError(f"--only {' '.join(unknown)}: not an edition to build (these are: {', '.join(folders)})")
    logs = out.parent / f"{out.name}-logs"
    logs.mkdir(parents=True, exist_ok=True)
    staged = out.with_name(out.name + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    if only and out.is_dir():
        shutil.copytree(out, staged, symlinks=True)
    staged.mkdir(parents=True, exist_ok=True)
    try:
        for number, slot in enumerate(slots, 1):
            if only and slot.folder not in only:
                continue
            progress(f"edition {number}/{len(slots)}: {slot.title}")
            started = time.monotonic()
            build_slot(root, slot, staged / slot.folder, pdf, logs, progress)
            progress(f"  {slot.folder}: built in {time.monotonic() - started:.0f} s")
        missing = [s.folder for s in slots if not (staged / s.folder).is_dir()]
        if missing:  # e.g. one old edition rebuilt elsewhere to check that it reproduces
            progress(f"site index not written: {', '.join(missing)} not built in {out}")
        else:
            _write_index(staged, slots, base_url)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    _publish(staged, out)
    return slots


def _write_index(site: Path, slots: list[Slot], base_url: str) -> None:
    """``latest/``, ``versions.json`` and the root redirect, once every edition's folder is there."""
    stated = {s.folder: stated_version(site / s.folder) for s in slots}
    released = [s for s in slots if s.declared]
    newest = (released or slots)[-1]
    shutil.rmtree(site / LATEST_SLOT, ignore_errors=True)
    shutil.copytree(site / newest.folder, site / LATEST_SLOT)
    (site / VERSIONS_FILE).write_text(
        json.dumps(versions_json(slots, stated, base_url), indent=2) + "\n", encoding="utf-8"
    )
    (site / "index.html").write_text(_redirect(f"{LATEST_SLOT}/index.html"), encoding="utf-8")
    (site / ".nojekyll").write_text("", encoding="utf-8")  # serve _static/ as is on GitHub Pages
