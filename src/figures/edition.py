"""The facts that identify an edition of the review, from ``editions.yaml``, git and the data.

Editions are declared in ``editions.yaml`` (:mod:`figures.declared_editions`), never inferred from
tags. A build states which one it is: the declared edition whose commit is HEAD, else "development
version after X.Y.Z" (the newest declared edition HEAD descends from); the commit; the date (the
declared release date, or the commit's date for a development state); the date of the last search
(the screening log); and a fingerprint of every file under ``data/``.

Every fact is a function of the commit, the declarations and the files, never of the clock or the
folder; ``SOURCE_DATE_EPOCH``, when set, wins for the date (reproducible rebuilds). A copy that is
not a git checkout (a release archive, the tests' copies) builds as version ``unreleased``, commit
``unknown``, with no date.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from figures import data_files, declared_editions

UNRELEASED = "unreleased"
DEVELOPMENT = "development version after "
UNKNOWN = "unknown"
NOT_RECORDED = "not recorded"
FINGERPRINT_SHOWN = 12  # hex digits of the SHA-256 shown to readers (the full one is in the title)
# Set by ``hepmet editions`` for a multi-version site: the version switcher's JSON (relative to
# the edition's root) and the file name of the edition's PDF beside its pages.
SWITCHER_VAR = "HEPMET_SWITCHER_JSON"
PDF_VAR = "HEPMET_EDITION_PDF"


def git(root: Path, *args: str) -> str | None:
    """Output of a git command run in ``root``; None when it fails or git is missing."""
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def is_checkout(root: Path) -> bool:
    """True when ``root`` is the top of a git work tree (not merely inside another repository)."""
    top = git(root, "rev-parse", "--show-toplevel")
    return top is not None and Path(top).resolve() == root.resolve()


@dataclass(frozen=True)
class Edition:
    version: str  # "1.0.0", "development version after 1.0.0", or "unreleased"
    commit: str  # full hash, or "unknown"
    commit_date: str | None  # ISO date of the commit
    date: str | None  # ISO date shown: SOURCE_DATE_EPOCH, else the declared date, else the commit's
    last_search: str | None  # ISO date of the latest search round
    fingerprint: str  # SHA-256 of the files under data/
    released: bool = False  # True: HEAD is a declared edition's commit
    after: str | None = None  # a development state: the newest declared edition it descends from

    @property
    def short_commit(self) -> str:
        return self.commit[:12] if self.commit != UNKNOWN else UNKNOWN

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:FINGERPRINT_SHOWN]

    def facts(self) -> list[tuple[str, str]]:
        """The stamp's lines as (label, value), in the order readers see them."""
        return [
            ("Edition", self.version),
            ("Last search", self.last_search or NOT_RECORDED),
            ("Date", self.date or NOT_RECORDED),
            ("Commit", self.short_commit),
            ("Data fingerprint", self.short_fingerprint),
        ]

    def stamp_html(self, pdf_href: str | None = None) -> str:
        """The stamp shown on every page; values escaped, ``pdf_href`` a relative link."""
        items = "".join(
            f'<span class="hepmet-edition-fact" data-fact="{html.escape(label.lower().replace(" ", "-"))}">'
            f"{html.escape(label)}: <code>{html.escape(value)}</code></span> "
            for label, value in self.facts()
        )
        pdf = (
            f'<a class="hepmet-edition-pdf" href="{html.escape(pdf_href)}">PDF of this edition</a>' if pdf_href else ""
        )
        return (
            f'<div class="hepmet-edition" data-version="{html.escape(self.version)}" '
            f'data-commit="{html.escape(self.commit)}" data-fingerprint="{html.escape(self.fingerprint)}">'
            f"{items}{pdf}</div>"
        )


def iso_date(epoch: str | int) -> str:
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()


def read_edition(root: Path) -> Edition:
    """The edition of the checkout (or plain copy) at ``root``.

    Raises :class:`figures.declared_editions.EditionsFileError` when ``editions.yaml`` is invalid
    (``hepmet build`` checks it first and prints the problems).
    """
    data_dir = root / "data"
    version, commit, commit_date, declared_date, after = UNRELEASED, UNKNOWN, None, None, None
    released = False
    if is_checkout(root):
        commit = git(root, "rev-parse", "HEAD") or UNKNOWN
        commit_time = git(root, "log", "-1", "--format=%ct", "HEAD")
        commit_date = iso_date(commit_time) if commit_time else None
        declared = declared_editions.read(root)
        this = declared_editions.released_at(declared, commit)
        if this:
            version, declared_date, released = this.version, this.date, True
        else:
            base = next((e for e in reversed(declared) if declared_editions.is_ancestor(root, e.commit)), None)
            if base:
                version, after = DEVELOPMENT + base.version, base.version
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return Edition(
        version=version,
        commit=commit,
        commit_date=commit_date,
        date=iso_date(epoch) if epoch else declared_date or commit_date,
        last_search=data_files.last_search(data_dir),
        fingerprint=data_files.fingerprint(data_dir),
        released=released,
        after=after,
    )


# --- the stamp on the PDF's title page (set by figures.sphinx_ext) -----------------------------


def latex_release_info(edition: Edition) -> str:
    """The edition's facts for the PDF's title page (``\\setreleaseinfo``), escaped for LaTeX."""
    from sphinx.util import texescape

    texescape.init()  # idempotent; the LaTeX builder calls it too, but later than config-inited
    lines = [f"{texescape.escape(label)}: {texescape.escape(value)}" for label, value in edition.facts()[1:]]
    lines.append(f"Data SHA-256: \\texttt{{\\small {texescape.escape(edition.fingerprint)}}}")
    return "\\par{\\normalsize\\upshape " + "\\par ".join(lines) + "\\par}"
