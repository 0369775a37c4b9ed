"""The bibliography style of the References page: pybtex's ``plain``, marking unverified metadata,
with author-year labels.

The chapters cite author-year (``bibtex_reference_style: author_year``: "Ehrlich et al. (2009)"),
so the list is labelled the same way ("[Ehrlich et al., 2009]"), in the HTML site and the PDF alike;
a numbered list would not match the citations in the text.

An entry whose metadata was recalled rather than seen (``x-confidence = {recalled}``) ends with
"[metadata unverified]"; one whose author list alone was not seen (``x-confidence-authors``) ends
with "[author list unverified]". The mark is part of the formatted entry, so the HTML site and the
PDF show it alike. The ``note`` field holds provenance for maintainers (how a bracket number of the
source review was mapped) and is left out of the printed reference.

Loaded as a Sphinx extension (``_config.yml``: ``extra_extensions``), which registers the style
with pybtex under the name ``hepmet`` (``bibtex_default_style: hepmet``) without needing the
project to be re-installed for a packaging entry point, and pins the pybtex plugins used most
(:func:`pin_pybtex_plugins`): every pybtex plugin the review registers is registered here.
"""

from __future__ import annotations

import importlib
from collections import Counter

from pybtex.database import Entry
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

from figures.references import unverified_mark

STYLE_NAME = "hepmet"
LABEL_STYLE_NAME = "hepmet_author_year"
HIDDEN_FIELDS = {"note"}


def _surnames(entry: Entry) -> list[str]:
    """The last names of the entry's authors (or editors), as plain text."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    return [Text.from_latex(" ".join(p.prelast_names + p.last_names)).render_as("text") for p in persons]


def author_year(entry: Entry) -> str:
    """``Ehrlich et al., 2009``, ``Hugh and Poston, 1997``: the label of a reference, worded as the
    author-year citations of the text word it."""
    names = _surnames(entry)
    if not names:
        who = Text.from_latex(entry.fields.get("organization", entry.key)).render_as("text")
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Author-year labels; two works with the same label get ``a``, ``b``... in list order."""

    def format_labels(self, sorted_entries):
        labels = [author_year(entry) for entry in sorted_entries]
        repeated = {label for label, count in Counter(labels).items() if count > 1}
        seen: Counter = Counter()
        for label in labels:
            if label in repeated:
                seen[label] += 1
                yield f"{label}{chr(ord('a') + seen[label] - 1)}"
            else:
                yield label


class Style(PlainStyle):
    """``plain`` with author-year labels, without provenance notes, with the unverified mark appended."""

    default_label_style = LABEL_STYLE_NAME

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


# The pybtex plugins looked up per citation or per file: (group, name, class).
PINNED_PYBTEX_PLUGINS = (
    ("pybtex.backends", "plaintext", "pybtex.backends.plaintext:Backend"),
    ("pybtex.backends", "text", "pybtex.backends.plaintext:Backend"),  # an alias, looked up here first
    ("pybtex.database.input", "bibtex", "pybtex.database.input.bibtex:Parser"),
    ("pybtex.database.input.suffixes", ".bib", "pybtex.database.input.bibtex:Parser"),
)


def pin_pybtex_plugins() -> None:
    """Register the pybtex plugins used most as run-time plugins, once.

    pybtex looks a plugin up among every installed package's entry points each time it is used
    (sphinxcontrib-bibtex does so for every citation, about a tenth of a second each here);
    run-time plugins are looked up first, in a dictionary. The classes are pybtex's own.
    """
    for group, name, target in PINNED_PYBTEX_PLUGINS:
        module, _, attribute = target.partition(":")
        register_plugin(group, name, getattr(importlib.import_module(module), attribute), force=True)


def setup(app) -> dict:
    pin_pybtex_plugins()
    register_plugin("pybtex.style.labels", LABEL_STYLE_NAME, AuthorYearLabels)
    register_plugin("pybtex.style.formatting", STYLE_NAME, Style)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
