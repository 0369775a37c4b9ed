"""Sphinx extension of the review: checks the data, serves the chart runtime, keeps pages fresh.

Every Sphinx event handler of the review is here (the modules they call hold no Sphinx hook):

- ``config-inited``: validates ``data/`` and the chapters' citation keys (a problem stops the build
  before anything is written; :mod:`figures.chapter_citations`), gives sphinxcontrib-bibtex the
  ``.bib`` files of ``data/references/`` as one file at a fixed path, installs the in-process execution
  (``figures.execute``), points the chapters' code at this checkout (``PYTHONPATH``,
  ``HEPMET_DATA_DIR``) and at the build's store of chart drawings, and refreshes the digest of each
  part of the data.
- ``builder-inited``: serves the review's static files, the vendored Vega runtime among them
  (``static/vega/``, never a CDN).
- ``source-read`` / ``doctree-read``: records which parts of the data each page used and registers
  the matching digest files as the page's dependencies, so Sphinx re-reads (and myst-nb
  re-executes) a page exactly when its data or the code under ``src/figures`` changed. A page
  with a bibliography depends on the references, though it runs no code; a page depends on each
  reference it cites.
- ``html-page-context``: a page loads the chart and explorer scripts only when it shows one; its
  charts' static drawings are named relative to the page.
- the edition (``figures.edition``): its facts on the PDF's title page and, for a multi-version
  site, the version switcher (``config-inited``); its stamp in every page's footer
  (``html-page-context``, and ``build-finished`` for the pages Sphinx did not rewrite).
- ``build-finished``: copies the static chart drawings the pages show into the site, writes the
  downloads (``figures.downloads``) and the evidence explorer's rows (``figures.explorer``), and
  fixes the theme's markup for accessibility; a LaTeX build draws the charts its files include.
"""

from __future__ import annotations

import codecs
import hashlib
import importlib.metadata
import os
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinxcontrib.bibtex.nodes import bibliography

from figures import chapter_citations, chart_drawings, data_files, deps, edition, execute, page_weight, paths

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
CODE_PART = "code"
BIBLIOGRAPHY_PART = "references"  # what a page with a bibliography directive depends on
EXECUTED = "executed"  # folder of the pages executed by the latest build


def _state_dir(app: Sphinx) -> Path:
    return paths.state_beside(Path(app.doctreedir))


def _write_if_changed(path: Path, content: bytes) -> None:
    # Unchanged content keeps its mtime: Sphinx then sees the dependency as fresh.
    if path.exists() and path.read_bytes() == content:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _digest_file(app: Sphinx, part: str) -> Path:
    return _state_dir(app) / "digests" / (part.replace(":", "--") + ".sha256")


def _refresh_digest(app: Sphinx, part: str) -> Path:
    # The data does not change during a build: each part's digest is computed once per build
    # (a tumour's part reads every study file; pages asked for it about thirty times a build).
    refreshed = app.hepmet_refreshed_digests  # emptied at the start of each build (config-inited)
    if part not in refreshed:
        data_dir = Path(app.confdir) / "data"
        digest = data_files.code_digest() if part == CODE_PART else data_files.part_digest(data_dir, part)
        target = _digest_file(app, part)
        _write_if_changed(target, digest.encode())
        refreshed[part] = target
    return refreshed[part]


def on_config_inited(app: Sphinx, config) -> None:
    root = Path(app.confdir)
    data_dir = root / "data"
    # Loaded through data_files' per-process cache: the pages, executed in this process, then use
    # this checked dataset instead of reading and validating it again.
    try:
        data_files.load_dataset(data_dir.resolve())
        # The chapters' citations are checked here, on the build side: the data layer, which the
        # pages load, never reads book/.
        problems = chapter_citations.unknown_citation_lines(root, data_files.reference_keys(data_dir))
    except data_files.DatasetError:
        problems = chapter_citations.project_problems(root)  # every problem, as `hepmet validate` lists them
    if problems:
        raise ConfigError("the dataset has problems:\n" + "\n".join(problems))
    if config.hepmet_execution not in execute.MODES:
        raise ConfigError(f"hepmet_execution: {config.hepmet_execution!r} is not one of {', '.join(execute.MODES)}")
    execute.install(config.hepmet_execution)

    config.bibtex_bibfiles = [_references_file(app, root, data_dir)]

    # The chapters' kernels inherit this process's environment.
    os.environ[paths.DATA_DIR_VAR] = str(data_dir)
    src = str(root / "src")
    current = os.environ.get("PYTHONPATH", "")
    if src not in current.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, current) if p)

    # Refresh every digest a previous build recorded (and the code's), before Sphinx decides
    # which pages are outdated.
    app.hepmet_refreshed_digests = {}
    known = {CODE_PART, BIBLIOGRAPHY_PART}
    for record in (_state_dir(app) / "deps").glob("*.json"):
        known.update(deps.recorded(record))
    for part in sorted(known):
        _refresh_digest(app, part)
    shutil.rmtree(_state_dir(app) / EXECUTED, ignore_errors=True)
    os.environ[paths.CHART_CACHE_VAR] = str(_chart_cache(app))
    chart_drawings.start_worker()  # draws the pages' charts while they run (figures.chart_drawings)


REFERENCES_FILE = "references.bib"


def _references_file(app: Sphinx, root: Path, data_dir: Path) -> str:
    """Every ``data/references/*.bib`` in one file at a fixed path, for sphinxcontrib-bibtex.

    Listing the files themselves changes ``bibtex_bibfiles`` with every new reference, and Sphinx
    rewrites every page when an HTML option changes; a page that cites a reference is re-read
    when that reference's own file changes (``on_doctree_read``).
    """
    target = _state_dir(app) / REFERENCES_FILE
    # A byte-order mark is allowed at the start of a file only (bibtex_encoding is utf-8-sig).
    entries = [p.read_bytes().removeprefix(codecs.BOM_UTF8).rstrip() for p in data_files.reference_files(data_dir)]
    _write_if_changed(target, b"\n\n".join(entries) + b"\n")
    # Relative to the project: the option's value is part of the HTML output's build information.
    return os.path.relpath(target, root)


CHART_CACHE = "charts"
CHART_LIBRARIES = ("vl-convert-python", "cairosvg")


def _chart_cache(app: Sphinx) -> Path:
    """The folder of chart drawings (figures.chart_drawings) for this code and these
    library versions; the folders of other versions are removed."""
    versions = "".join(f"{name}={importlib.metadata.version(name)};" for name in CHART_LIBRARIES)
    # The code's digest as this build refreshed it (on_config_inited), not hashed a second time.
    code = _refresh_digest(app, CODE_PART).read_text()
    key = hashlib.sha256((code + versions).encode()).hexdigest()[:16]
    folder = _state_dir(app) / CHART_CACHE / key
    for other in (_state_dir(app) / CHART_CACHE).glob("*"):
        if other != folder:
            shutil.rmtree(other, ignore_errors=True)
    return folder


def on_builder_inited(app: Sphinx) -> None:
    app.config.html_static_path.append(str(PACKAGE_DIR / "static"))


def _is_thebe(asset) -> bool:
    text = str(getattr(asset, "filename", asset) or "") + str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in text


# The review's own assets that only some pages use: file -> the markup in a page's body that
# needs it. Other pages do not load them (the Vega runtime alone is about 0.5 MB).
PAGE_ASSETS = {
    "vega.min.js": 'class="hepmet-chart"',
    "vega-tooltip.js": 'class="hepmet-chart"',
    "hepmet.js": 'class="hepmet-chart"',
    "evidence-explorer.js": 'class="hepmet-explorer"',
    "evidence-explorer.css": 'class="hepmet-explorer"',
    # Jupyter Book loads these on every page; sphinx-design's components (``sd-`` classes) and the
    # copy button of code blocks (its selector is ``div.highlight pre``) are on few pages or none.
    "sphinx-design.min.css": 'class="sd-',
    "design-tabs.js": 'class="sd-',
    "copybutton.js": 'class="highlight"',
    "copybutton.css": 'class="highlight"',
    "clipboard.min.js": 'class="highlight"',
}


def _unused_by_page(asset, body: str) -> bool:
    # Sphinx names an asset "_static/<file>?v=<checksum>" by the time pages are written.
    name = str(getattr(asset, "filename", asset) or "").split("?")[0].rsplit("/", 1)[-1]
    marker = PAGE_ASSETS.get(name)
    return marker is not None and marker not in body


# A chart's static drawing as its output names it (figures.render.chart: from the site's root).
_CHART_IMAGE = re.compile(re.escape(paths.CHART_IMAGES) + r"/[0-9a-f]{64}\.svg")
# The same in an attribute, still unchanged (a page's body is shaped once).
_CHART_IMAGE_ATTRIBUTE = re.compile(r'(?<=")' + _CHART_IMAGE.pattern)


def on_html_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    # Jupyter Book always loads sphinx-thebe, which declares its config twice per page (a console
    # error) and names a CDN; the review has no live code, so its assets are dropped.
    body = context.get("body") or ""
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a) and not _unused_by_page(a, body)]
    if body:
        # A chart's output is made before the page's place in the site is known: its drawing is
        # named from the site's root, and made relative to this page here.
        context["body"] = _CHART_IMAGE_ATTRIBUTE.sub(lambda m: context["pathto"](m.group(), 1), body)


def on_build_finished_chart_images(app: Sphinx, exception: Exception | None) -> None:
    """Copy the static chart drawings the site's pages show from the build's store into the site,
    and remove the ones no page shows any more (an incremental build keeps the folder)."""
    if exception is not None or app.builder.format != "html":
        return
    chart_drawings.wait_for_drawings()
    outdir = Path(app.outdir)
    shown = set()
    for page in outdir.rglob("*.html"):
        shown.update(Path(m).name for m in _CHART_IMAGE.findall(page.read_text(encoding="utf-8")))
    folder = outdir / paths.CHART_IMAGES
    store = paths.chart_cache_dir()
    for name in sorted(shown):
        kept = store / name if store is not None else None
        if kept is not None and kept.is_file():
            _write_if_changed(folder / name, kept.read_bytes())
        elif not (folder / name).is_file():
            # Only a page not re-executed since the store was emptied (new library versions).
            logger.warning(f"chart drawing {name} is not in the build's store: build again with --all")
    for old in folder.glob("*.svg"):
        if old.name not in shown:
            old.unlink()


# Fixes of the theme's and docutils' markup that axe-core reports as serious or critical. They are
# applied to the written pages, because most of this markup comes from the theme's templates.
_ACCESSIBILITY_FIXES = (
    # A bibliography is marked role="list" although its entries are doc-biblioentry, not listitem.
    ('<div role="list" class="citation-list">', '<div class="citation-list">'),
    # The theme's scrolling table wrapper cannot be reached by keyboard.
    ('<div class="pst-scrollable-table-container">', '<div class="pst-scrollable-table-container" tabindex="0">'),
    # The search field button is labelled "Search" but shows "Search Ctrl+K": its text names it.
    (
        '<button class="btn search-button-field search-button__button pst-js-only" title="Search" aria-label="Search"',
        '<button class="btn search-button-field search-button__button pst-js-only" title="Search"',
    ),
    # The colour-mode button is labelled "Color mode", but Font Awesome turns its icons' titles
    # ("Light", "Dark", ...) into visible names.
    ('data-mode="light" title="Light"', 'data-mode="light"'),
    ('data-mode="dark"  title="Dark"', 'data-mode="dark"'),
    ('data-mode="auto"  title="System Settings"', 'data-mode="auto"'),
    # The navigation's expand/collapse toggles have no text.
    (
        '<summary><span class="toctree-toggle" role="presentation">',
        '<summary><span class="visually-hidden">Show or hide the sections</span><span class="toctree-toggle" '
        'role="presentation">',
    ),
)


def on_build_finished_accessibility(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in sorted(Path(app.outdir).rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        fixed = text
        for before, after in _ACCESSIBILITY_FIXES:
            fixed = fixed.replace(before, after)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def _deps_file(app: Sphinx, docname: str) -> Path:
    return _state_dir(app) / "deps" / (docname.replace("/", "__") + ".json")


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    record = _deps_file(app, docname)
    record.unlink(missing_ok=True)
    os.environ[deps.DEPS_FILE_VAR] = str(record)


def on_doctree_read(app: Sphinx, doctree) -> None:
    env = app.env
    os.environ.pop(deps.DEPS_FILE_VAR, None)
    executed = bool(getattr(env, "nb_metadata", {}).get(env.docname, {}).get("exec_data"))
    if executed:
        # One marker per page executed in this build: the tests and the benchmark read them.
        marker = _state_dir(app) / EXECUTED / env.docname.replace("/", "__")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    found = []  # what the page's code could not record
    # The bibliography directive lists the entries of data/references/ when the page is read: a
    # new reference must make the page be read again (it runs no code, so records nothing).
    if next(iter(doctree.findall(bibliography)), None) is not None:
        found.append(BIBLIOGRAPHY_PART)
    # A citation shows its reference's authors and year (the links name the key, bibtex_cite_id):
    # the page is read again when the file of a reference it cites changes, and a new reference
    # cited elsewhere leaves it as it is.
    cites = env.get_domain("cite").citation_refs
    cited = {target.key for ref in cites if ref.docname == env.docname for target in ref.targets}
    found += [f"{data_files.REFERENCE_PART}:{key}" for key in sorted(cited)]
    # Kept with the parts the code recorded, so that the next build refreshes their digests before
    # Sphinx decides which pages are outdated (on_config_inited).
    record = _deps_file(app, env.docname)
    deps.record_all(record, found)
    # Every page depends on the code: this extension shapes pages that run none (their scripts,
    # the edition stamp), so a change under src/figures must rewrite them too.
    for part in [CODE_PART, *deps.recorded(record)]:
        env.note_dependency(str(_refresh_digest(app, part)))


# --- the edition stamp (figures.edition): the PDF's title page, every page's footer --------------


def on_config_inited_edition(app: Sphinx, config) -> None:
    """Put the edition on the PDF's title page and, for a multi-version site, the switcher.

    Only options Sphinx does not store in its environment are touched here (``latex_elements``,
    ``html_theme_options``), so a new commit does not make every page re-execute; ``version`` and
    ``release`` (read by the theme's banner of old editions) are set only when ``hepmet editions``
    builds, which re-reads everything anyway.
    """
    this = edition.read_edition(Path(app.confdir))
    app.hepmet_edition = this
    switcher_json = os.environ.get(edition.SWITCHER_VAR)
    elements = dict(config.latex_elements or {})
    # The title page prints "<releasename> <release>"; see below for why release is usually empty.
    elements["releasename"] = "Edition" if switcher_json else f"Edition {this.version}"
    elements["preamble"] = (
        elements.get("preamble", "") + "\n\\setreleaseinfo{" + edition.latex_release_info(this) + "}\n"
    )
    config.latex_elements = elements

    if switcher_json:
        # The theme's banner for old editions compares DOCUMENTATION_OPTIONS.VERSION (Sphinx's
        # ``release``) with the preferred entry of versions.json.
        config.version = config.release = this.version
        options = config.html_theme_options
        options["switcher"] = {"json_url": switcher_json, "version_match": this.version}
        options["check_switcher"] = False  # the JSON sits beside the editions, outside this build
        options["show_version_warning_banner"] = True
        header = list(options.get("article_header_start") or ["toggle-primary-sidebar.html"])
        options["article_header_start"] = [*header, "version-switcher"]


def on_html_page_context_edition(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Append the edition stamp (and the link to the edition's PDF) to the page's footer."""
    pdf_name = os.environ.get(edition.PDF_VAR)
    pdf_href = context["pathto"](pdf_name, 1) if pdf_name else None
    stamp = app.hepmet_edition.stamp_html(pdf_href)
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + stamp


_STAMP = re.compile(r'<div class="hepmet-edition" .*?</div>')


def on_build_finished_edition(app: Sphinx, exception: Exception | None) -> None:
    """Bring the stamp of every page of the site up to date.

    Sphinx rewrites only the pages it read again, but the stamp of every page names the data's
    fingerprint, which a new study changes; this replaces the stamp of the pages left as they were
    instead of rewriting them all.
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pdf_name = os.environ.get(edition.PDF_VAR)
    for page in sorted(outdir.rglob("*.html")):
        # The link Sphinx's pathto(pdf_name, 1) makes from this page.
        pdf_href = Path(os.path.relpath(outdir / pdf_name, page.parent)).as_posix() if pdf_name else None
        stamp = app.hepmet_edition.stamp_html(pdf_href)
        text = page.read_text(encoding="utf-8")
        fixed = _STAMP.sub(lambda _match, stamp=stamp: stamp, text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


# --- downloads (figures.downloads): written into the site after every HTML build ---------------


def on_build_finished_write_downloads(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    # Imported here, not with the extension: they load pandas and Altair, which a build that runs
    # no page (a PDF after the site, a build with execution off) has no other reason to load.
    from figures import dataset, downloads, explorer

    folder = Path(app.outdir) / downloads.FOLDER
    # The explorer's rows script goes beside the downloads: its page loads it, no page lists it.
    files = {**downloads.files(), **explorer.site_files(dataset.outcomes())}
    for name, content in files.items():
        _write_if_changed(folder / name, content)


def on_build_finished_chart_pdfs(app: Sphinx, exception: Exception | None) -> None:
    # Sphinx's build ends before Jupyter Book runs TeX on its files: the drawings are there in time.
    if exception is None and app.builder.format == "latex":
        chart_drawings.write_chart_pdfs(Path(app.outdir))


def setup(app: Sphinx) -> dict:
    # Where the pages run: "in-process" (figures.execute: imports paid once) or "kernel" (myst-nb's).
    app.add_config_value("hepmet_execution", execute.IN_PROCESS, "env")
    app.connect("config-inited", on_config_inited, priority=400)
    app.connect("builder-inited", on_builder_inited, priority=400)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("html-page-context", on_html_page_context, priority=900)
    # The edition stamp, after the config-inited handler above (sphinx_ext's own priority 400).
    app.connect("config-inited", on_config_inited_edition, priority=450)
    app.connect("html-page-context", on_html_page_context_edition)
    app.connect("build-finished", on_build_finished_edition)
    # The PDF edition's chart drawings, made once its LaTeX files are written (figures.render).
    app.connect("build-finished", on_build_finished_chart_pdfs)
    # Icons inline instead of Font Awesome's script; search scripts on the search page only.
    app.add_css_file("icons.css")
    app.connect("build-finished", page_weight.on_build_finished)
    # The Vega runtime and its tooltips (vendored: scripts/vendor_vega.py), then the charts' drawer.
    app.add_js_file("vega/vega.min.js")
    app.add_js_file("vega/vega-tooltip.js")
    app.add_js_file("hepmet.js")
    app.connect("build-finished", on_build_finished_chart_images)
    app.add_css_file("hepmet.css")
    app.connect("build-finished", on_build_finished_write_downloads)
    app.connect("build-finished", on_build_finished_accessibility)
    app.add_js_file("evidence-explorer.js")
    app.add_css_file("evidence-explorer.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
