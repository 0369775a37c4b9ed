"""The explorable evidence table: every study and outcome, filterable, sortable and searchable.

The HTML edition gets a table that ``static/evidence-explorer.js`` (vanilla JS, served by the site
itself) turns into filters, a search box and sortable columns; every cell and attribute is escaped
with ``html.escape``. The page itself carries at most ``PAGE_ROWS`` rows (what a reader without
JavaScript sees, with a link to the CSV download when there are more); every row travels in
``ROWS_FILE``, a script the build writes beside the downloads that assigns the rows to a global,
which the explorer's script puts into the table as text (so the site still works from ``file://``,
where a page may not ``fetch()`` a local JSON file). The PDF edition gets every row as a plain
table through ``render.table``.
"""

from __future__ import annotations

import html
import json

import pandas as pd

from figures import downloads, formats, labels, render

# Column: (header, filterable, numeric sort)
COLUMNS = {
    "study": ("Study", False, False),
    "tumour": ("Tumour", True, False),
    "population": ("Population", True, False),
    "interventions": ("Interventions", True, False),
    "outcome": ("Outcome", True, False),
    "kind": ("What the number is", True, False),
    "timepoint": ("Time point", False, False),
    "group": ("Group", False, False),
    "n": ("Patients in the group", False, True),
    "estimate": ("Estimate", False, True),
    "ci": ("95% CI", False, False),
}
LIST_SEPARATOR = "|"
# Kinds that are counts of patients, never rates: shown as counts, never with a CI.
COUNTED_KINDS = frozenset({"case", "count"})


def outcome_value(*, kind: str, estimate, unit: str, events, denominator) -> str:
    """An outcome's value as a table shows it: a count of patients for counts and single cases (never
    a rate), a percentage (with its counts when given), a time or a ratio otherwise."""
    counts = (
        f"{formats.optional_number(events)} of {formats.optional_number(denominator)}"
        if pd.notna(events) and pd.notna(denominator)
        else ""
    )
    if kind in COUNTED_KINDS:
        value = formats.patients(estimate) if pd.notna(estimate) else counts
        return f"{value} (single case)" if kind == "case" else value
    if pd.isna(estimate):
        return counts
    text = formats.with_unit(estimate, unit)
    return f"{text} ({counts})" if counts and unit == "percent" else text


def interventions_text(codes: list[str], agents: list[str], separator: str = ", ") -> list[str]:
    """Intervention names; targeted therapy with the agents the study names beside it."""
    names = []
    for code in codes:
        name = labels.word(labels.INTERVENTIONS, code)
        if code == "targeted-therapy" and agents:
            name += f" ({separator.join(agents)})"
        names.append(name)
    return names


def evidence_rows(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome with readable cells; ``interventions`` holds ``|``-separated names.

    ``n`` is the outcome's own number of patients (its group's size), never the study's total.
    """
    rows = []
    for r in outcomes.sort_values(["tumour", "label", "measure", "outcome_id"]).itertuples():
        ci = ""
        if r.kind not in COUNTED_KINDS and pd.notna(r.ci_low) and pd.notna(r.ci_high):
            ci = formats.interval(r.ci_low, r.ci_high)
            if pd.notna(r.ci_level) and r.ci_level != 95:
                ci += f" ({formats.number(r.ci_level)}% CI)"
        rows.append(
            {
                "study": r.label,
                "tumour": labels.word(labels.TUMOURS, r.tumour),
                "population": labels.word(labels.AGE_GROUPS, r.age_group) if r.age_group else "not reported",
                "interventions": LIST_SEPARATOR.join(interventions_text(r.interventions, r.agents)),
                "outcome": labels.word(labels.MEASURE_NAMES, r.measure),
                "kind": labels.word(labels.KINDS, r.kind),
                "timepoint": "" if pd.isna(r.timepoint_months) else formats.timepoint_text(r.timepoint_months),
                "group": r.group or "",
                "n": "not reported" if pd.isna(r.n) else formats.number(r.n),
                "n_value": r.n,
                "estimate": outcome_value(
                    kind=r.kind, estimate=r.estimate, unit=r.unit, events=r.events, denominator=r.denominator
                ),
                "estimate_value": r.estimate,
                "ci": ci,
                "age_class": labels.age_class(r.age_group),
            }
        )
    return pd.DataFrame(rows)


# The rows the page itself carries: what a reader without JavaScript sees. Today's dataset has 64
# outcome rows, so today's page carries all of them; at issue 11's x100 scale (about 6,400 rows,
# 3 MB of HTML) the page carries these (about 0.1 MB) and the rest come from ROWS_FILE.
PAGE_ROWS = 200
# Every row of the explorer, as a script that assigns them to ROWS_GLOBAL[<explorer id>]; written
# by the build into the downloads folder (figures.sphinx_ext), so it is loaded, never inlined.
ROWS_FILE = "hepmet-explorer-rows.js"
ROWS_GLOBAL = "hepmetExplorerRows"
NAME = "evidence-explorer"  # the explorer's element id, under which ROWS_FILE files its rows


def _cell_parts(key: str, row: dict) -> tuple[str, str | None, str]:
    """A cell as (text shown, the data attribute the script reads or None, its value): the
    separate values of a list cell (for its filter), the number a numeric column sorts by."""
    value = row[key]
    if key == "interventions":
        return value.replace(LIST_SEPARATOR, ", "), "values", value
    if key in ("estimate", "n"):
        return str(value), "sort", formats.optional_number(row[key + "_value"])
    return str(value), None, ""


def _cell(key: str, row: dict) -> str:
    text, attribute, value = _cell_parts(key, row)
    attributes = f' data-{attribute}="{html.escape(value, quote=True)}"' if attribute else ""
    return f"<td{attributes}>{html.escape(text)}</td>"


def rows_script(rows: pd.DataFrame, name: str) -> bytes:
    """``ROWS_FILE``: ``{"strings": [...], "rows": [...]}``, each row ``[age class, cell, ...]`` and a
    cell the index of its text in ``strings`` or ``[text, attribute, value]`` as indices. Tumours,
    populations, outcomes and studies repeat from row to row: each text is written once (under a third of
    the plain rows' bytes at x100). Rows in the frame's order, texts in first-use order: the same
    bytes for the same data."""
    strings: dict[str, int] = {}

    def index(value: str) -> int:
        return strings.setdefault(value, len(strings))

    records = []
    for row in rows.to_dict("records"):
        cells = [index(row["age_class"])]
        for key in COLUMNS:
            text, attribute, value = _cell_parts(key, row)
            cells.append([index(text), index(attribute), index(value)] if attribute else index(text))
        records.append(cells)
    # ensure_ascii: U+2028 and U+2029 end a line in older JavaScript parsers; escaped, they cannot.
    payload = json.dumps({"strings": list(strings), "rows": records}, ensure_ascii=True, separators=(",", ":"))
    target = f"{ROWS_GLOBAL}[{json.dumps(name)}]"
    return (
        "// Every row of the evidence explorer (figures.explorer), loaded by its page.\n"
        f"window.{ROWS_GLOBAL} = window.{ROWS_GLOBAL} || {{}};\n"
        f"window.{target} = {payload};\n"
    ).encode()


def explorer_html(rows: pd.DataFrame, caption: str, name: str, prefix: str) -> str:
    """The explorable table: the first ``PAGE_ROWS`` rows as escaped cells, the script that holds
    every row (``prefix``: the page's way to the site root), its controls filled in by
    ``evidence-explorer.js``."""
    head = "".join(
        f'<th scope="col" data-key="{key}" data-filter="{int(filterable)}" data-numeric="{int(numeric)}">'
        f"{html.escape(header)}</th>"
        for key, (header, filterable, numeric) in COLUMNS.items()
    )
    body = "\n".join(
        f'<tr data-age="{html.escape(row["age_class"], quote=True)}">'
        + "".join(_cell(k, row) for k in COLUMNS)
        + "</tr>"
        for row in rows.head(PAGE_ROWS).to_dict("records")
    )
    folder = f"{prefix}{downloads.FOLDER}/"
    more = ""
    if len(rows) > PAGE_ROWS:
        csv = html.escape(folder + downloads.CSV_NAME, quote=True)
        more = (
            f'<p class="hepmet-explorer-more">This page holds the first {formats.count(PAGE_ROWS)} of '
            f"{formats.count(len(rows))} outcomes; the others load with JavaScript, and every outcome is in "
            f'the CSV download, <a href="{csv}" download>{html.escape(downloads.CSV_NAME)}</a>.</p>\n'
        )
    return (
        f'<div class="hepmet-explorer" id="{html.escape(name, quote=True)}">\n'
        f'<script defer src="{html.escape(folder + ROWS_FILE, quote=True)}"></script>\n'
        '<div class="hepmet-explorer-controls"></div>\n'
        '<p class="hepmet-explorer-count" aria-live="polite"></p>\n'
        '<div class="hepmet-explorer-scroll"><table class="hepmet-explorer-table">\n'
        f"<caption>{html.escape(caption)}</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>\n{more}</div>\n"
    )


def plain_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The explorer's rows as a plain table (the PDF's): its columns under their headers."""
    frame = rows[list(COLUMNS)].copy()
    frame["interventions"] = frame["interventions"].str.replace(LIST_SEPARATOR, ", ", regex=False)
    return frame.rename(columns={k: v[0] for k, v in COLUMNS.items()})


def explorer_table(outcomes: pd.DataFrame, caption: str, name: str = NAME, page_depth: int = 1) -> render.Display:
    """Every outcome as the explorable table (site: its rows from ``ROWS_FILE``, for a page
    ``page_depth`` folders below the site root) or a plain, numbered table of every row (PDF)."""
    rows = evidence_rows(outcomes)
    plain = render.table(plain_rows(rows), caption=caption, name=name).bundle
    # myst-nb picks text/html for the site and text/markdown (a list-table) for the PDF.
    return render.Display({"text/html": explorer_html(rows, caption, name, "../" * page_depth), **plain})


def site_files(outcomes: pd.DataFrame) -> dict[str, bytes]:
    """What the build writes into the site's downloads folder for the explorer: ``ROWS_FILE``."""
    return {ROWS_FILE: rows_script(evidence_rows(outcomes), NAME)}
