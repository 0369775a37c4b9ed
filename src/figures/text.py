"""Numbers and generated sentences for the prose: every figure a sentence quotes is glued from the dataset.

A chapter calls ``chapter.glue_facts("nb")`` or ``chapter.glue_studies("ehrlich2009hepatic")`` once,
in a hidden cell, and writes ``{glue:text}`fact_nb_incidence``` in its sentences; a correction to a
data file then changes the sentence, the table and the chart together. The generated sentences
(evidence intro, flags note, candidate references) are ``render.markdown`` outputs whose
contributor text is escaped and whose citation keys are checked. Numbers are written by
``figures.formats``.
"""

from __future__ import annotations

import re

from myst_nb import glue

from figures import dataset, render, schemas
from figures.formats import estimate, number, plural, value_range, with_unit


def _key(*parts: str) -> str:
    return "_".join(re.sub(r"[^0-9A-Za-z]+", "_", str(p)).strip("_") for p in parts)


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
        glue(
            _key(citation, outcome["id"], "estimate"),
            estimate(outcome) if value is None else with_unit(value, outcome.get("unit", "percent")),
            display=False,
        )
        glue(_key(citation, outcome["id"], "group"), outcome.get("group") or "all", display=False)
        if outcome.get("timepoint_months") is not None:
            glue(
                _key(citation, outcome["id"], "timepoint"),
                with_unit(outcome["timepoint_months"], "months"),
                display=False,
            )


def source_flags(topics: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The recorded inconsistencies of the source's background figures: ``(citation, what, note)``
    for the facts of ``topics``, in file order. (A study's own flags are shown in its row of the
    evidence table, so that each inconsistency is printed once.)"""
    found = []
    for topic in topics:
        for fact in dataset.facts(topic):
            for flag in fact.get("flags") or []:
                what = fact["description"]
                found.append((fact["citation"], what[:1].upper() + what[1:], flag["note"]))
    return found


def cite_role(keys: list[str], role: str = "cite:p") -> str:
    """A citation role for ``keys``; each must be a plain key, since it is interpolated into markup."""
    for key in keys:
        if not schemas.CITATION_KEY.fullmatch(key):
            raise ValueError(f"not a citation key: {key!r}")
    return f"{{{role}}}`{','.join(keys)}`"


# sphinxcontrib-bibtex parses a role's keys with one recursion per key: a role of about a thousand
# keys (a tumour's studies at 100 times today's dataset) overflows Python's stack. Today's largest
# tumour has 10 studies, so every sentence of today's dataset stays one role.
CITE_GROUP = 100


def cite_roles(keys: list[str], role: str = "cite:p", group: int = CITE_GROUP) -> str:
    """Citation roles for ``keys``, at most ``group`` keys in each, in order, separated by spaces."""
    return " ".join(cite_role(keys[i : i + group], role) for i in range(0, len(keys), group))


def flags_note(topics: tuple[str, ...]) -> render.Display | render.Displays:
    """The note listing the inconsistencies of the source's background figures for a chapter
    (nothing at all when none is recorded)."""
    flags = source_flags(topics)
    if not flags:
        return render.nothing()
    lines = [":::{admonition} Inconsistencies in the source", ":class: note", ""]
    for citation, what, note in flags:
        lines.append(f"- {render.escape_markdown(what)} {cite_role([citation])}: {render.escape_markdown(note)}")
    lines.append(":::")
    plain = "\n".join(f"{what}: {note}" for _, what, note in flags)
    return render.markdown("\n".join(lines) + "\n", plain)


def chronological(study: dict) -> tuple:
    """Sort key: oldest study first."""
    # The label ends with the publication year ("Ehrlich 2009"); unknown years sort last.
    year = study["label"].rsplit(" ", 1)[-1]
    return (int(year) if year.isdigit() else 9999, study["label"], study["citation"])


def evidence_intro(tumour: str, table_name: str, table_studies: int) -> render.Display:
    """The sentence above a chapter's evidence table: how many studies the dataset holds for
    ``tumour``, each cited, oldest first (in roles of at most ``CITE_GROUP`` keys); the table
    shows at most ``table_studies`` of them, the most recent."""
    records = sorted(dataset.studies(tumour), key=chronological)
    if not records:
        return render.markdown("The dataset holds no study of this tumor yet.", "No study yet.")
    count = plural(len(records), "study", "studies")
    keys = [r["citation"] for r in records]
    shown = "" if len(records) <= table_studies else f"the {number(table_studies)} most recent "
    markdown = (
        f"The dataset holds {count} of this tumor {cite_roles(keys)}, {shown}set out in {{numref}}`{table_name}`."
    )
    return render.markdown(markdown, f"The dataset holds {count} of this tumor.")


def glue_tumours() -> None:
    """Glue Table 1's ranges as ``tumour_<code>_metastatic`` and ``tumour_<code>_hepatic``, and the
    counts ``tumours_total`` and ``tumours_with_adult_figures`` (at least one adult-derived range)."""
    table = dataset.tumours()
    glue("tumours_total", number(len(table)), display=False)
    adult = table["metastatic_adult"] | table["hepatic_adult"]
    glue("tumours_with_adult_figures", number(int(adult.sum())), display=False)
    for row in table.itertuples():
        glue(
            _key("tumour", row.code, "metastatic"),
            value_range(row.metastatic_low, row.metastatic_high, "percent"),
            display=False,
        )
        glue(
            _key("tumour", row.code, "hepatic"),
            value_range(row.hepatic_low, row.hepatic_high, "percent"),
            display=False,
        )


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


def candidate_references() -> render.Display | render.Displays:
    """The references that are only a likely match for a bracketed citation of the source review
    (``x-mapping`` says ``candidate``), each cited, as one sentence for the References page."""
    keys = sorted(
        key
        for key, entry in dataset.bibliography().entries.items()
        if entry.fields.get("x-mapping", "").startswith(("candidate", "named-author candidate"))
    )
    if not keys:
        return render.nothing()
    roles = ", ".join(cite_role([key], "cite:t") for key in keys)
    return render.markdown(f"Candidate matches: {roles}.", f"Candidate matches: {', '.join(keys)}.")


def chart_limit_note(shown: int, total: int, what: str, where: str) -> render.Display:
    """The sentence under a chart that shows only the most recent ``shown`` of ``total`` studies
    (``figures.chart_data.most_recent``): how many are left out, and ``where`` they all are."""
    sentence = (
        f"This chart shows {what} of the {number(shown)} most recent of {number(total)} studies; "
        f"the other {number(total - shown)} are left out of it, and all of them are {where}."
    )
    return render.notice(sentence)


def table_limit_note(shown: int, total: int) -> render.Display:
    """The sentence under a tumour's evidence table that shows only its ``shown`` most recent of
    ``total`` studies (``figures.tables.EVIDENCE_STUDIES``): where all of them are."""
    sentence = (
        f"This table shows the {number(shown)} most recent of {number(total)} studies; "
        f"the other {number(total - shown)}, and all of their outcomes, are in the evidence explorer "
        "of {doc}`/book/evidence-tables` and in the dataset download."
    )
    return render.markdown(sentence, sentence.replace("{doc}`/book/evidence-tables`", "Evidence tables"))
