"""Record which parts of the dataset a page used while it executes.

The Sphinx extension points ``HEPMET_DEPS_FILE`` at a per-page file before the page's kernel
starts; the dataset accessors call :func:`record`. Outside a build the variable is unset and
recording does nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

DEPS_FILE_VAR = "HEPMET_DEPS_FILE"


def record(part: str) -> None:
    """Note that the executing page used ``part`` of the dataset (e.g. ``studies:wt``)."""
    target = os.environ.get(DEPS_FILE_VAR)
    if target:
        record_all(Path(target), [part])


def record_all(path: Path, parts: list[str]) -> None:
    """Add ``parts`` to the record ``path`` (the build's own findings about a page, such as the
    references it cites, kept with what its code asked for)."""
    known = set(recorded(path))
    if known.issuperset(parts):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(known.union(parts))))


def recorded(path: Path) -> list[str]:
    """The parts recorded in ``path`` (empty when the page used no data)."""
    return json.loads(path.read_text()) if path.exists() else []
