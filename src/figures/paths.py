"""Where the project's inputs and the build's outputs live, for the build, the CLI and the chapters'
kernels: every path the build and its tests agree on is named here once."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VAR = "HEPMET_DATA_DIR"
# Set by the build: the folder where chart specs and drawings (SVG, PDF) are kept between builds,
# named by the code and the library versions that draw them (figures.render).
CHART_CACHE_VAR = "HEPMET_CHART_CACHE"
# The site's folder of static chart drawings (one SVG per spec digest), from the site's root: the
# charts' HTML names it, figures.sphinx_ext fills it.
CHART_IMAGES = "_static/charts"
# Set by ``hepmet build`` for its Sphinx process: the dataset it has just validated, kept in the
# build's state with the identity of the data and code it was checked with (figures.data_files).
DATASET_STORE_VAR = "HEPMET_DATASET_STORE"

BUILD_DIR = "_build"
# Nothing lost, no partial site: Jupyter Book writes into a working folder that keeps its state
# between builds (doctrees, executed notebooks, dependency digests: incremental builds), and the
# published folder (_build/html or _build/latex) is replaced only after a build that succeeded.
WORK_DIR = ".work"
OUTPUT_DIRS = {"html": "html", "pdflatex": "latex"}
# The state figures.sphinx_ext keeps beside the doctrees (digests, dependencies, executed pages).
STATE_DIR = ".hepmet"
# The PDF edition: latex_documents.targetname in _config.yml, as .pdf.
PDF_NAME = "hepmet-review.pdf"


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``_config.yml`` and ``data/``, searched upwards from ``start`` (cwd)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").is_file() and (folder / "data").is_dir():
            return folder
    raise FileNotFoundError(f"no project root (_config.yml beside data/) above {here}")


def data_dir() -> Path:
    """The dataset folder: ``$HEPMET_DATA_DIR`` when set (the build sets it), else ``<root>/data``."""
    configured = os.environ.get(DATA_DIR_VAR)
    return Path(configured).resolve() if configured else project_root() / "data"


def chart_cache_dir() -> Path | None:
    """The build's folder of chart specs and drawings, or None outside a build (nothing is kept then)."""
    configured = os.environ.get(CHART_CACHE_VAR)
    return Path(configured) if configured else None


def published(root: Path, builder: str) -> Path:
    """The published output of ``builder`` (``html`` or ``pdflatex``): what readers are given."""
    return root / BUILD_DIR / OUTPUT_DIRS[builder]


def published_pdf(root: Path) -> Path:
    """The PDF edition of the last successful ``hepmet build --pdf``."""
    return published(root, "pdflatex") / PDF_NAME


def edition_pdf_name(folder: str) -> str:
    """The file name of an edition's PDF in the versioned site (``hepmet-review-2.0.0.pdf``)."""
    return f"{Path(PDF_NAME).stem}-{folder}.pdf"


def work_dir(root: Path) -> Path:
    """Jupyter Book's ``--path-output`` for ``hepmet build`` (it appends ``_build`` itself)."""
    return root / BUILD_DIR / WORK_DIR


def work_output(root: Path, builder: str) -> Path:
    """Where Jupyter Book writes ``builder``'s output before it is published."""
    return work_dir(root) / BUILD_DIR / OUTPUT_DIRS[builder]


def work_doctrees(root: Path) -> Path:
    """Sphinx's doctrees (and its environment) of the builds ``hepmet build`` runs in ``root``."""
    return work_dir(root) / BUILD_DIR / ".doctrees"


def state_beside(doctrees: Path) -> Path:
    """The extension's state of the build whose doctrees are in ``doctrees``."""
    return Path(doctrees).parent / STATE_DIR


def build_state(root: Path) -> Path:
    """The extension's state of the builds ``hepmet build`` runs in ``root``."""
    return state_beside(work_doctrees(root))


def dataset_store(root: Path) -> Path:
    """The checked dataset ``hepmet build`` hands its Sphinx process (figures.data_files)."""
    return build_state(root) / "dataset.pickle"
