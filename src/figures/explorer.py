"""The explorable evidence table: every study and outcome, filterable, sortable and searchable.

The HTML edition gets a table that ``static/evidence-explorer.js`` (vanilla JS, served by the site
itself) turns into filters, a search box and sortable columns; every cell and attribute is escaped
with ``html.escape``. The PDF edition gets the same rows as a plain table through
``render.show_table``.
"""

from __future__ import annotations

import html

import pandas as pd

from figures import labels, render
from figures.forest import age_class, timepoint_text

# Column: (header, filterable, numeric sort)
COLUMNS = {
    "study": ("Study", False, False),
    "tumour": ("Tumour", True, False),
    "population": ("Population", True, False),
    "interventions": ("Interventions", True, False),
    "outcome": ("Outcome", True, False),
    "timepoint": ("Time point", False, False),
    "group": ("Group", False, False),
    "estimate": ("Estimate", False, True),
    "ci": ("95% CI", False, False),
    "n": ("Patients", False, True),
}
LIST_SEPARATOR = "|"


def _number(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:g}"


def _estimate_text(r, units: dict) -> str:
    if pd.isna(r.estimate):
        return ""
    if r.unit == "count" and pd.notna(r.denominator):
        return f"{_number(r.estimate)} of {_number(r.denominator)}"
    return f"{_number(r.estimate)}{units.get(r.unit, '')}"


def evidence_rows(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome with readable cells; ``interventions`` holds ``|``-separated names."""
    units = {"percent": "%", "months": " months"}
    rows = []
    for r in outcomes.sort_values(["tumour", "label", "measure", "outcome_id"]).itertuples():
        ci = ""
        if pd.notna(r.ci_low) and pd.notna(r.ci_high):
            ci = f"{r.ci_low:g}\u2013{r.ci_high:g}"
            if pd.notna(r.ci_level) and r.ci_level != 95:
                ci += f" ({r.ci_level:g}% CI)"
        rows.append(
            {
                "study": r.label,
                "tumour": labels.TUMOURS.get(r.tumour, r.tumour),
                "population": labels.AGE_GROUPS.get(r.age_group, r.age_group or "not reported"),
                "interventions": LIST_SEPARATOR.join(labels.INTERVENTIONS.get(i, i) for i in r.interventions),
                "outcome": labels.MEASURE_NAMES.get(r.measure, r.measure),
                "timepoint": "" if pd.isna(r.timepoint_months) else timepoint_text(r.timepoint_months),
                "group": r.group or "",
                "estimate": _estimate_text(r, units),
                "estimate_value": r.estimate,
                "ci": ci,
                "n": _number(r.n_patients),
                "age_class": age_class(r.age_group),
            }
        )
    return pd.DataFrame(rows)


def _cell(key: str, row: dict) -> str:
    value = row[key]
    attributes = ""
    if key == "interventions":
        attributes = f' data-values="{html.escape(value, quote=True)}"'
        value = value.replace(LIST_SEPARATOR, ", ")
    elif key == "estimate":
        attributes = f' data-sort="{html.escape(_number(row["estimate_value"]), quote=True)}"'
    return f"<td{attributes}>{html.escape(str(value))}</td>"


class EvidenceExplorer:
    """HTML: the explorable table; PDF (markdown): the same rows as a plain, numbered table."""

    def __init__(self, rows: pd.DataFrame, caption: str, name: str):
        self.rows = rows
        self.caption = caption
        self.name = name

    def _html(self) -> str:
        head = "".join(
            f'<th scope="col" data-key="{key}" data-filter="{int(filterable)}" data-numeric="{int(numeric)}">'
            f"{html.escape(header)}</th>"
            for key, (header, filterable, numeric) in COLUMNS.items()
        )
        body = "\n".join(
            f'<tr data-age="{html.escape(row["age_class"], quote=True)}">' + "".join(_cell(k, row) for k in COLUMNS) + "</tr>"
            for row in self.rows.to_dict("records")
        )
        return (
            f'<div class="hepmet-explorer" id="{html.escape(self.name, quote=True)}">\n'
            '<div class="hepmet-explorer-controls"></div>\n'
            '<p class="hepmet-explorer-count" aria-live="polite"></p>\n'
            '<div class="hepmet-explorer-scroll"><table class="hepmet-explorer-table">\n'
            f"<caption>{html.escape(self.caption)}</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>\n</div>\n"
        )

    def _plain_table(self) -> render.TableDisplay:
        frame = self.rows[list(COLUMNS)].copy()
        frame["interventions"] = frame["interventions"].str.replace(LIST_SEPARATOR, ", ", regex=False)
        return render.show_table(frame.rename(columns={k: v[0] for k, v in COLUMNS.items()}), caption=self.caption, name=self.name)

    def _repr_mimebundle_(self, include=None, exclude=None):
        plain = self._plain_table()._repr_mimebundle_()
        # myst-nb picks text/html for the site and text/markdown (a list-table) for the PDF.
        return {"text/html": self._html(), "text/markdown": plain["text/markdown"], "text/plain": plain["text/plain"]}


def show_explorer(outcomes: pd.DataFrame, caption: str, name: str = "evidence-explorer") -> EvidenceExplorer:
    """Display every outcome as the explorable table (site) or a plain table (PDF)."""
    return EvidenceExplorer(evidence_rows(outcomes), caption=caption, name=name)
