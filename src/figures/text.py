"""Numbers for the prose: every figure a sentence quotes is glued from the dataset.

A chapter calls ``glue_facts("nb")`` or ``glue_study("ehrlich2009hepatic")`` once, in a hidden
cell, and writes ``{glue:text}`fact_nb_incidence``` in its sentences; a correction to a data file
then changes the sentence, the table and the chart together.
"""

from __future__ import annotations

import re

from myst_nb import glue

from figures import dataset, render

# The prose says "per year" or "patients" itself: counts carry no unit of their own.
_UNITS = {"percent": "%", "months": " months", "years": " years", "per-million": " per million", "gray": " Gy"}


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
    for field in ("start", "end"):
        if (record.get("recruitment") or {}).get(field) is not None:
            glue(_key(citation, "recruitment", field), str(record["recruitment"][field]), display=False)
    population = record.get("population", {})
    for field in ("age_median", "age_min", "age_max"):
        if population.get(field) is not None:
            glue(_key(citation, field), number(population[field]), display=False)
    for comparison in record.get("comparisons") or []:
        if comparison.get("p_value") is not None:
            glue(_key(citation, "p", comparison["id"]), number(comparison["p_value"]), display=False)
    for outcome in record.get("outcomes") or []:
        glue(_key(citation, outcome["id"]), estimate(outcome), display=False)
        value = outcome["estimate"]
        glue(_key(citation, outcome["id"], "estimate"), estimate(outcome) if value is None else with_unit(value, outcome.get("unit", "percent")), display=False)
        glue(_key(citation, outcome["id"], "group"), outcome.get("group") or "all", display=False)
        if outcome.get("timepoint_months") is not None:
            glue(_key(citation, outcome["id"], "timepoint"), with_unit(outcome["timepoint_months"], "months"), display=False)


def source_flags(tumour: str, topics: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """The recorded inconsistencies of the source: ``(citation, what, note)`` for the studies of
    ``tumour`` and the facts of ``topics``, in file order."""
    found = []
    for study in sorted(dataset.studies(tumour), key=lambda s: s["citation"]):
        for flag in study.get("flags") or []:
            found.append((study["citation"], f"{study['label']}, {flag['field']}", flag["note"]))
    for topic in topics:
        for fact in dataset.facts(topic):
            for flag in fact.get("flags") or []:
                what = fact["description"]
                found.append((fact["citation"], what[:1].upper() + what[1:], flag["note"]))
    return found


_CITATION_KEY = re.compile(r"[a-z0-9_-]+")


class FlagsNote:
    """An admonition listing the source's inconsistencies, generated from the ``flags`` in data/."""

    def __init__(self, flags: list[tuple[str, str, str]]):
        self.flags = flags

    def _markdown(self) -> str:
        lines = [":::{admonition} Inconsistencies in the source, as recorded in the dataset", ":class: note", ""]
        if not self.flags:
            lines.append("None recorded.")
        for citation, what, note in self.flags:
            # A key is interpolated into a role, so it must be a plain key; the rest is escaped.
            if not _CITATION_KEY.fullmatch(citation):
                raise ValueError(f"not a citation key: {citation!r}")
            lines.append(f"- {render.escape_markdown(what)} {{cite:p}}`{citation}`: {render.escape_markdown(note)}")
        lines.append(":::")
        return "\n".join(lines) + "\n"

    def _repr_mimebundle_(self, include=None, exclude=None):
        plain = "\n".join(f"{what}: {note}" for _, what, note in self.flags) or "None recorded."
        return {"text/markdown": self._markdown(), "text/plain": plain}


def flags_note(tumour: str, topics: tuple[str, ...] = ()) -> FlagsNote:
    """The note a chapter shows under its evidence table: every flag of its studies and facts."""
    return FlagsNote(source_flags(tumour, topics))


def glue_tumours() -> None:
    """Glue Table 1's ranges as ``tumour_<code>_metastatic`` and ``tumour_<code>_hepatic``, and the
    counts ``tumours_total`` and ``tumours_with_adult_figures`` (at least one adult-derived range)."""
    table = dataset.tumours()
    glue("tumours_total", number(len(table)), display=False)
    adult = table["metastatic_adult"] | table["hepatic_adult"]
    glue("tumours_with_adult_figures", number(int(adult.sum())), display=False)
    for row in table.itertuples():
        glue(_key("tumour", row.code, "metastatic"), value_range(row.metastatic_low, row.metastatic_high, "percent"), display=False)
        glue(_key("tumour", row.code, "hepatic"), value_range(row.hepatic_low, row.hepatic_high, "percent"), display=False)


def glue_consistency_check(key: str, topic: str, part_ids: list[str], citation: str) -> None:
    """Glue a check of subgroup counts against a study's size, so that a note on an inconsistency
    of the source is computed, not typed: ``<key>_total`` (sum of the facts ``part_ids``),
    ``<key>_n`` (the study's ``n_patients``) and ``<key>_share_<id>`` (each part as a whole
    percentage of ``n_patients``)."""
    by_id = {f["id"]: f for f in dataset.facts(topic)}
    n = dataset.study(citation)["n_patients"]
    parts = {i: by_id[i]["low"] for i in part_ids}
    glue(_key(key, "total"), number(sum(parts.values())), display=False)
    glue(_key(key, "n"), number(n), display=False)
    for i, value in parts.items():
        glue(_key(key, "share", i), f"{100 * value / n:.0f}%", display=False)
