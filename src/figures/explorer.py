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
from figures.forest import timepoint_text

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
UNITS = {"percent": "%", "months": " months", "years": " years", "ratio": ""}


def _number(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:g}"


def _patients(value) -> str:
    return f"{value:g} patient" + ("" if value == 1 else "s")


def outcome_value(*, kind: str, estimate, unit: str, events, denominator) -> str:
    """An outcome's value as a table shows it: a count of patients for counts and single cases (never
    a rate), a percentage (with its counts when given), a time or a ratio otherwise."""
    counts = f"{_number(events)} of {_number(denominator)}" if pd.notna(events) and pd.notna(denominator) else ""
    if kind in COUNTED_KINDS:
        value = _patients(estimate) if pd.notna(estimate) else counts
        return f"{value} (single case)" if kind == "case" else value
    if pd.isna(estimate):
        return counts
    text = f"{_number(estimate)}{UNITS.get(unit, '')}"
    return f"{text} ({counts})" if counts and unit == "percent" else text


def interventions_text(codes: list[str], agents: list[str], separator: str = ", ") -> list[str]:
    """Intervention names; targeted therapy with the agents the study names beside it."""
    names = []
    for code in codes:
        name = labels.INTERVENTIONS.get(code, code)
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
            ci = f"{r.ci_low:g}\u2013{r.ci_high:g}"
            if pd.notna(r.ci_level) and r.ci_level != 95:
                ci += f" ({r.ci_level:g}% CI)"
        rows.append(
            {
                "study": r.label,
                "tumour": labels.TUMOURS.get(r.tumour, r.tumour),
                "population": labels.AGE_GROUPS.get(r.age_group, r.age_group or "not reported"),
                "interventions": LIST_SEPARATOR.join(interventions_text(r.interventions, r.agents)),
                "outcome": labels.MEASURE_NAMES.get(r.measure, r.measure),
                "kind": labels.KINDS.get(r.kind, r.kind),
                "timepoint": "" if pd.isna(r.timepoint_months) else timepoint_text(r.timepoint_months),
                "group": r.group or "",
                "n": "not reported" if pd.isna(r.n) else _number(r.n),
                "n_value": r.n,
                "estimate": outcome_value(kind=r.kind, estimate=r.estimate, unit=r.unit, events=r.events, denominator=r.denominator),
                "estimate_value": r.estimate,
                "ci": ci,
                "age_class": labels.age_class(r.age_group),
            }
        )
    return pd.DataFrame(rows)


def _cell(key: str, row: dict) -> str:
    value = row[key]
    attributes = ""
    if key == "interventions":
        attributes = f' data-values="{html.escape(value, quote=True)}"'
        value = value.replace(LIST_SEPARATOR, ", ")
    elif key in ("estimate", "n"):
        attributes = f' data-sort="{html.escape(_number(row[key + "_value"]), quote=True)}"'
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
