"""Every number as a reader sees it: one formatter per kind of figure, shared by prose, tables and charts.

Numbers are written as the source printed them (no trailing zeros); an estimate computed here
(a pooled result, a CI from counts) is rounded to one decimal. Nothing in this module knows about
markup: escaping is ``figures.render``'s job.
"""

from __future__ import annotations

import pandas as pd

# The prose says "per year" or "patients" itself: counts carry no unit of their own.
UNITS = {
    "percent": "%",
    "months": " months",
    "weeks": " weeks",
    "years": " years",
    "cm": " cm",
    "per-million": " per million",
    "gray": " Gy",
    "ratio": "",
    "count": "",
    "count-per-year": "",
}
EN_DASH = "\u2013"


def missing(value) -> bool:
    """True for None and NaN (pandas' missing values)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def number(value: float) -> str:
    """A number as the source printed it: no trailing zeros, thousands separated."""
    return f"{value:,.10g}" if abs(value) >= 10000 else f"{value:.10g}"


def count(value: int) -> str:
    """A count of records or bytes, thousands always separated: ``1,234``."""
    return f"{value:,}"


def rounded(value: float) -> str:
    """A computed value to one decimal: ``62.4``."""
    return f"{value:.1f}"


def three_figures(value: float) -> str:
    """An estimate to three significant figures (forest plot labels): ``47.6``."""
    return f"{value:.3g}"


def optional_number(value) -> str:
    """:func:`number`, or an empty string for a missing value."""
    return "" if missing(value) else number(value)


def with_unit(value: float, unit: str) -> str:
    """``76%``, ``8 years``, ``1 year``: a word unit is singular for exactly one."""
    suffix = UNITS[unit]
    if value == 1 and suffix.endswith("s") and suffix.strip().isalpha():
        suffix = suffix[:-1]
    return number(value) + suffix


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 study``, ``7 studies``: the count and the right form of the noun."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def value_range(low: float, high: float, unit: str) -> str:
    """``8%–10%``, or a single value when low equals high."""
    if low == high:
        return with_unit(low, unit)
    return f"{with_unit(low, unit)}{EN_DASH}{with_unit(high, unit)}"


def interval(low: float, high: float) -> str:
    """``58–87``: two reported bounds as printed."""
    return f"{number(low)}{EN_DASH}{number(high)}"


def rounded_interval(low: float, high: float) -> str:
    """``58.1–87.0``: two computed bounds, to one decimal."""
    return f"{rounded(low)}{EN_DASH}{rounded(high)}"


def rounded_percent(estimate: float, low: float, high: float) -> str:
    """``62.4% (48.0–75.1)``: a computed percentage and its interval, to one decimal."""
    return f"{rounded(estimate)}% ({rounded_interval(low, high)})"


def estimate(outcome: dict) -> str:
    """An outcome as prose: ``76% (95% CI 58%–87%)``; ``1 of 12`` when only the counts are given."""
    unit = outcome.get("unit", "percent")
    if outcome["estimate"] is None:
        return f"{number(outcome['events'])} of {number(outcome['denominator'])}"
    text = with_unit(outcome["estimate"], unit)
    if unit == "count" and outcome.get("denominator") is not None:
        text += f" of {number(outcome['denominator'])}"
    ci = outcome.get("ci") or {}
    if ci.get("low") is not None and ci.get("high") is not None:
        text += f" ({number(ci.get('level', 95))}% CI {value_range(ci['low'], ci['high'], unit)})"
    return text


def n_text(n) -> str:
    """The number of patients an outcome is about: ``n = 34``, or ``n not reported``."""
    return "n not reported" if missing(n) else f"n = {int(n)}"


def patients(count) -> str:
    """``1 patient``, ``12 patients``."""
    return f"{number(count)} patient" + ("" if count == 1 else "s")


def timepoint_text(months) -> str:
    """``5-year``, ``18-month``, or ``time point not reported``."""
    if missing(months):
        return "time point not reported"
    months = float(months)
    return f"{number(months / 12)}-year" if months % 12 == 0 else f"{number(months)}-month"


def months_text(months) -> str:
    """``18 months``, or ``time point not reported``."""
    return "time point not reported" if missing(months) else f"{number(months)} months"


def p_text(p_value, relation) -> str:
    """``p = 0.09``, ``p < 0.001``, or ``p not reported``."""
    if missing(p_value):
        return "p not reported"
    return f"p {relation if isinstance(relation, str) else '='} {number(p_value)}"
