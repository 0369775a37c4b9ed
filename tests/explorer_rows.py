"""One row of the evidence explorer's data (an outcome with its study's fields), for the tests that
build the explorer without a built site."""

from __future__ import annotations


def explorer_row(**changes) -> dict:
    """A survival outcome of a pediatric study, with ``changes`` applied."""
    row = {
        "citation": "x",
        "label": "X 2000",
        "tumour": "gist",
        "age_group": "pediatric",
        "interventions": ["resection"],
        "agents": [],
        "measure": "OS",
        "kind": "survival",
        "timepoint_months": 60,
        "group": "all",
        "n": 12,
        "n_patients": 96,
        "estimate": 50,
        "unit": "percent",
        "events": None,
        "denominator": None,
        "ci_low": 30,
        "ci_high": 70,
        "ci_level": 95,
        "outcome_id": "o",
    }
    return {**row, **changes}
