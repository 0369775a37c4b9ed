"""The one reader of ``data/`` for the rest of the package: the build, the command line, the edition
stamp, the search tools and the chapters' accessors (:mod:`figures.dataset`) all read through here.

The readers behind it are the data layer's own: :mod:`figures.validate` (every file, checked, with
:mod:`figures.yaml_lines` and :mod:`figures.schemas`), :mod:`figures.references` (the ``.bib``
files) and :mod:`figures.screening_log`. Nothing here reads the chapters (``book/``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from pathlib import Path

import yaml
from pybtex.database import BibliographyData

from figures import paths, references, schemas, screening_log, validate, yaml_lines

REFERENCES = "references"
REFERENCE_PART = "reference"  # one reference, ``reference:<key>``: what a page that cites it uses


class DatasetError(Exception):
    """The dataset has problems; the message lists every one as ``file:line: field: message``."""

    def __init__(self, data_dir: Path, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in {data_dir}:\n" + "\n".join(problems))
        self.problems = problems


def check(data_dir: Path, store: Path | None = None) -> validate.Checked:
    """Read and check every file of ``data_dir`` (not cached: for ``hepmet validate`` and tools that
    have just written a file). A valid dataset is kept in ``store`` when one is given: ``hepmet
    build`` passes its own, from which its Sphinx process loads the dataset (:func:`load_dataset`)."""
    checked = validate.load_checked(data_dir)
    if store is not None and not checked.problems:
        store.parent.mkdir(parents=True, exist_ok=True)
        partial = store.with_name(store.name + ".partial")
        partial.write_bytes(pickle.dumps((_store_key(Path(data_dir)), _dataset(checked))))
        partial.replace(store)  # whole or not at all: a build stopped midway leaves no half file
    return checked


@functools.lru_cache(maxsize=4)
def load_dataset(data_dir: Path) -> dict:
    """Read and validate ``data_dir`` once per process; raises :class:`DatasetError` when invalid.

    In ``hepmet build``'s Sphinx process the dataset its command line has just validated is taken
    from the build's store instead, when it was checked from the same data with the same code: the
    check took about 1.5 s of every build.
    """
    stored = _stored_dataset(Path(data_dir))
    if stored is not None:
        return stored
    checked = validate.load_checked(data_dir)
    if checked.problems:
        raise DatasetError(data_dir, checked.problems)
    return _dataset(checked)


def _store_key(data_dir: Path) -> str:
    # The dataset's identity and the code's (the schemas and rules that checked it).
    return fingerprint(data_dir) + code_digest()


def _stored_dataset(data_dir: Path) -> dict | None:
    store = os.environ.get(paths.DATASET_STORE_VAR)
    if not store or not Path(store).is_file():
        return None
    # The build's own state, written by check() above: a file another version wrote, or one that
    # no longer matches the data, is ignored and the dataset checked again.
    try:
        key, dataset = pickle.loads(Path(store).read_bytes())
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return dataset if key == _store_key(data_dir) else None


def _dataset(checked: validate.Checked) -> dict:
    return {
        "studies": [{**doc.data, "_file": Path(doc.name).name} for doc in checked.studies],
        "tumours": checked.tumours.data,
        "facts": {topic: doc.data or [] for topic, doc in checked.facts.items()},
        "screening": [doc.data for doc in checked.screening],
        "grade": [doc.data for _stem, doc in sorted(checked.grade.items())],
        "pools": (checked.pools.data or []) if checked.pools is not None else [],
        "management": checked.management.data if checked.management is not None else [],
    }


def _read_yaml(path: Path):
    # libyaml's parser where no line numbers are needed: the same values as safe_load, about ten
    # times faster (What's new reads two editions' study files).
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=yaml_lines.PLAIN_LOADER)


# --- the saved searches (hepmet search) ---------------------------------------------------------


def saved_searches(data_dir: Path) -> list[dict]:
    """``data/searches.yaml``, checked against its schema (problems as ``file:line: field: message``)."""
    path = Path(data_dir) / "searches.yaml"
    if not path.is_file():
        raise screening_log.ScreeningLogError(
            [f"{path}:1: (file): missing: the saved searches live in data/searches.yaml"]
        )
    problems = yaml_lines.Problems()
    doc = yaml_lines.read_yaml(path, Path(data_dir).parent, problems)
    if doc.parsed:
        schemas.schema_problems(doc, schemas.validators()["searches"], problems)
    if problems:
        raise screening_log.ScreeningLogError([f"{f}:{line}: {fld}: {msg}" for f, line, fld, msg in problems])
    return doc.data


# --- the references -----------------------------------------------------------------------------


def reference_files(data_dir: Path) -> list[Path]:
    """The ``.bib`` files of ``data/references/``, sorted (what sphinxcontrib-bibtex reads)."""
    return sorted((Path(data_dir) / REFERENCES).glob("*.bib"))


def reference_keys(data_dir: Path) -> set[str]:
    """The citation keys that have a reference file (its stem), valid or not."""
    return {path.stem for path in reference_files(data_dir)}


def reference_entries(data_dir: Path) -> BibliographyData:
    """Every entry of ``data/references/*.bib`` as one pybtex ``BibliographyData``, sorted by file."""
    return references.read_entries(Path(data_dir) / REFERENCES)


# --- digests: which parts of data/ changed since the last build ---------------------------------


def _digest(files: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@functools.cache
def _study_tumour(path: Path, mtime_ns: int, size: int) -> object:
    """The tumour code a study file names, read once per version of the file (its time and size
    are part of the key): a build asks for every tumour's part, each over every study file."""
    return ((_read_yaml(path) or {}).get("population") or {}).get("tumour")


def part_digest(data_dir: Path, part: str) -> str:
    """A digest of the files behind one recorded part (``studies:wt``, ``tumours``, ``facts:nb``...)."""
    kind, _, arg = part.partition(":")
    if kind == "studies":
        files = sorted((data_dir / "studies").glob("*.yaml"))
        if arg:
            files = [f for f in files if _study_tumour(f, f.stat().st_mtime_ns, f.stat().st_size) == arg]
        return _digest(files, data_dir)
    if kind == "facts":
        return _digest([f for f in [data_dir / "facts" / f"{arg}.yaml"] if f.exists()], data_dir)
    if kind in {"tumours", "pools", "management"}:
        return _digest([f for f in [data_dir / f"{kind}.yaml"] if f.exists()], data_dir)
    if kind == "screening":
        return _digest(sorted(screening_log.log_dir(data_dir).glob("*.yaml")), data_dir)
    if kind == "grade":
        return _digest(sorted((data_dir / "grade").glob("*.yaml")), data_dir)
    if kind == REFERENCES:
        return _digest(reference_files(data_dir), data_dir)
    if kind == REFERENCE_PART:
        return _digest([f for f in [data_dir / REFERENCES / f"{arg}.bib"] if f.exists()], data_dir)
    # An unknown part depends on everything: never stale, at worst re-executed.
    return fingerprint(data_dir)


PACKAGE_DIR = Path(__file__).parent


def code_digest() -> str:
    """SHA-256 of the files of this package (its code, schemas, templates and scripts)."""
    h = hashlib.sha256()
    for f in sorted(PACKAGE_DIR.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(PACKAGE_DIR)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def fingerprint(data_dir: Path) -> str:
    """SHA-256 of every file under ``data_dir`` (paths and bytes): the identity of a dataset."""
    return _digest([p for p in data_dir.rglob("*") if p.is_file()], data_dir)


# --- the edition's facts and past editions ------------------------------------------------------


def last_search(data_dir: Path) -> str | None:
    """ISO date of the latest search round of the screening log; None when none is recorded."""
    return screening_log.last_search_date(data_dir)


def study_records(data_dir: Path) -> dict[str, dict]:
    """The study files of any dataset folder (a past edition's too), by citation, as written.

    Not validated: a past edition is compared as it was published, even if today's rules differ.
    """
    records = {}
    for path in sorted((data_dir / "studies").glob("*.yaml")):
        record = _read_yaml(path) or {}
        records[str(record.get("citation") or path.stem)] = record
    return records
