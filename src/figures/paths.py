"""Where the project's inputs live, for the build, the CLI and the chapters' kernels."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VAR = "HEPMET_DATA_DIR"
# Set by the build: the folder where chart PDFs are kept between builds, named by the code and the
# library versions that draw them (figures.render.chart_pdf).
CHART_CACHE_VAR = "HEPMET_CHART_CACHE"
# Set by the build (figures.execute.on_builder_inited): "0" when it writes no PDF, so charts skip
# their vector PDF drawing (the HTML site never shows it).
CHART_PDFS_VAR = "HEPMET_CHART_PDFS"


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


def chart_pdfs_wanted() -> bool:
    """Whether a chart should carry its PDF drawing: always, except in a build that writes no PDF."""
    return os.environ.get(CHART_PDFS_VAR) != "0"


def chart_cache_dir() -> Path | None:
    """The build's folder of chart PDFs, or None outside a build (nothing is cached then)."""
    configured = os.environ.get(CHART_CACHE_VAR)
    return Path(configured) if configured else None
