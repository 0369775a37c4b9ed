"""Numbers for the prose: every figure a sentence quotes is glued from the dataset.

A chapter calls ``glue_facts("nb")`` or ``glue_study("ehrlich2009hepatic")`` once, in a hidden
cell, and writes ``{glue:text}`fact_nb_incidence``` in its sentences; a correction to a data file
then changes the sentence, the table and the chart together.
"""

from __future__ import annotations

import re

from myst_nb import glue

from figures import dataset

_UNITS = {"percent": "%", "months": " months", "years": " years", "per-million": " per million"}


def _key(*parts: str) -> str:
    return "_".join(re.sub(r"[^0-9A-Za-z]+", "_", str(p)).strip("_") for p in parts)


def number(value: float) -> str:
    """A number as the source printed it: no trailing zeros, thousands separated."""
    return f"{value:,.10g}" if abs(value) >= 10000 else f"{value:.10g}"


def with_unit(value: float, unit: str) -> str:
    return number(value) + _UNITS.get(unit, "")


def value_range(low: float, high: float, unit: str) -> str:
    """``8%–10%``, or a single value when low equals high."""
    if low == high:
        return with_unit(low, unit)
    return f"{with_unit(low, unit)}–{with_unit(high, unit)}"


def estimate(outcome: dict) -> str:
    """An outcome as prose: ``76% (95% CI 58%–87%)``."""
    unit = outcome.get("unit", "percent")
    text = with_unit(outcome["estimate"], unit)
    if unit == "count" and outcome.get("denominator") is not None:
        text += f" of {number(outcome['denominator'])}"
    ci = outcome.get("ci") or {}
    if ci.get("low") is not None and ci.get("high") is not None:
        text += f" ({number(ci.get('level', 95))}% CI {value_range(ci['low'], ci['high'], unit)})"
    return text


def glue_facts(topic: str) -> None:
    """Glue every fact of ``data/facts/<topic>.yaml`` as ``fact_<id>``."""
    for fact in dataset.facts(topic):
        glue(_key("fact", fact["id"]), value_range(fact["low"], fact["high"], fact["unit"]), display=False)


def glue_study(citation: str) -> None:
    """Glue a study's counts, outcomes and p-values as ``<citation>_<name>``."""
    record = dataset.study(citation)
    for field in ("n_patients", "n_liver_metastases"):
        if record.get(field) is not None:
            glue(_key(citation, field), number(record[field]), display=False)
    population = record.get("population", {})
    for field in ("age_median", "age_min", "age_max"):
        if population.get(field) is not None:
            glue(_key(citation, field), number(population[field]), display=False)
    for comparison in record.get("comparisons") or []:
        if comparison.get("p_value") is not None:
            glue(_key(citation, "p", comparison["id"]), number(comparison["p_value"]), display=False)
    for outcome in record.get("outcomes") or []:
        glue(_key(citation, outcome["id"]), estimate(outcome), display=False)
        glue(_key(citation, outcome["id"], "estimate"), with_unit(outcome["estimate"], outcome.get("unit", "percent")), display=False)
