"""What every page of the site loads, cut to what it uses (issue 11: a chapter page's cold weight).

- The theme's icons as inline SVG, without Font Awesome's 1.45 MiB script on every page.
  pydata-sphinx-theme loads ``_static/scripts/fontawesome.js`` on every page; the script holds every
Font Awesome icon and, once the page has loaded, replaces each ``<i class="fa-solid fa-…">`` with an
inline SVG. The site shows about a dozen icons, so after an HTML build every page gets its icons'
SVGs written in directly (their path data read from the theme's own copy of the script, so the
bytes follow the theme's version and nothing is fetched) and no longer loads the script. The few
rules of Font Awesome's CSS that size an inline icon live in ``static/icons.css``.

  An icon not found (or one the theme's script draws later, such as the close button of the old
  edition banner) still shows: the theme's CSS draws Font Awesome's classes from its web font.
- Sphinx's search scripts and the search index (which grows with the book) only on the search
  page: the theme loads them on every page for its search-as-you-type, which the review leaves
  off (``search_as_you_type``), so elsewhere its search box just opens the search page.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

SCRIPT = "_static/scripts/fontawesome.js"
# The theme's script tag (any relative path and digest).
_SCRIPT_TAG = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js(?:\?[^"]*)?"></script>\n?')
# An empty element carrying a solid icon's classes, as the theme's templates write it.
_ICON_ELEMENT = re.compile(r'<(i|span) class="([^"]*\bfa(?:s|-solid)\b[^"]*)"([^>]*)>\s*</\1>')
_STYLE_CLASSES = {"fas", "fa-solid"}
# The theme's search-as-you-type scripts (layout.html's extrahead), on every page but the search page.
_SEARCH_SCRIPTS = re.compile(
    r'[ \t]*<script src="[^"]*'
    r"(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"
    r'(?:\?[^"]*)?"></script>\n?'
)
# In the script, the solid pack is the object literal passed to d("fas", p).
_SOLID_PACK_END = 'd("fas",p)'
_SOLID_PACK_START = "var p={"


def solid_icons(script: str) -> dict[str, tuple[int, int, str]]:
    """Every solid icon of Font Awesome's script: name -> (width, height, SVG path)."""
    end = script.index(_SOLID_PACK_END)
    pack = script[script.rindex(_SOLID_PACK_START, 0, end) : end]
    icon = re.compile(r'[{,]"?([a-z0-9-]+)"?:\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]')
    return {m.group(1): (int(m.group(2)), int(m.group(3)), m.group(4)) for m in icon.finditer(pack)}


def inline_icons(page: str, icons: dict[str, tuple[int, int, str]]) -> str:
    """``page`` with each solid icon element an inline SVG and without the script's tag."""

    def to_svg(match: re.Match) -> str:
        classes = match.group(2).split()
        names = [c[3:] for c in classes if c.startswith("fa-") and c[3:] in icons]
        if not names:
            return match.group(0)  # drawn from the web font by the theme's CSS
        width, height, path = icons[names[0]]
        kept = " ".join(["svg-inline--fa", *(c for c in classes if c not in _STYLE_CLASSES)])
        attributes = match.group(3)
        if "aria-hidden" not in attributes:
            attributes += ' aria-hidden="true"'
        return (
            f'<svg class="{kept}"{attributes} focusable="false" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {width} {height}"><path fill="currentColor" d="{path}"></path></svg>'
        )

    return _SCRIPT_TAG.sub("", _ICON_ELEMENT.sub(to_svg, page))


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    script = outdir / SCRIPT
    if not script.is_file():
        return  # another theme: nothing to cut
    icons = solid_icons(script.read_text(encoding="utf-8"))
    as_you_type = app.config.html_theme_options.get("search_as_you_type", False)
    for page in sorted(outdir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        lighter = inline_icons(text, icons)
        if not as_you_type and page != outdir / "search.html":
            lighter = _SEARCH_SCRIPTS.sub("", lighter)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
