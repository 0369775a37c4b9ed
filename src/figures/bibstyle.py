"""The bibliography style of the References page: pybtex's ``plain``, marking unverified metadata.

An entry whose metadata was recalled rather than seen (``x-confidence = {recalled}``) ends with
"[metadata unverified]"; one whose author list alone was not seen (``x-confidence-authors``) ends
with "[author list unverified]". The mark is part of the formatted entry, so the HTML site and the
PDF show it alike. The ``note`` field holds provenance for maintainers (how a bracket number of the
source review was mapped) and is left out of the printed reference.

Loaded as a Sphinx extension (``_config.yml``: ``extra_extensions``), which registers the style
with pybtex under the name ``hepmet`` (``bibtex_default_style: hepmet``) without needing the
project to be re-installed for a packaging entry point.
"""

from __future__ import annotations

from pybtex.database import Entry
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting.plain import Style as PlainStyle

from figures.references import unverified_mark

STYLE_NAME = "hepmet"
HIDDEN_FIELDS = {"note"}


class Style(PlainStyle):
    """``plain``, without provenance notes, with the unverified mark appended."""

    def format_entry(self, label, entry, bib_data=None):
        printed = Entry(
            entry.type,
            fields={k: v for k, v in entry.fields.items() if k.lower() not in HIDDEN_FIELDS},
            persons=entry.persons,
        )
        printed.key = entry.key
        formatted = super().format_entry(label, printed, bib_data=bib_data)
        mark = unverified_mark(entry)
        if mark is None:
            return formatted
        return FormattedEntry(formatted.key, Text(formatted.text, " ", mark), formatted.label)


def setup(app) -> dict:
    register_plugin("pybtex.style.formatting", STYLE_NAME, Style)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
