"""DataFrames for the book's tables (computed, never typed)."""

from __future__ import annotations

import pandas as pd

from figures import dataset, forest, formats, labels, screening_log, stats, text
from figures.explorer import COUNTED_KINDS, interventions_text, outcome_value
from figures.pooling import PoolDecision

ADULT_MARK = " (adult series)"
NOT_REPORTED = "not reported"


def table1() -> pd.DataFrame:
    """Table 1 of the source review, recomputed: ranges per tumour, adult-derived figures marked."""
    t = dataset.tumours()
    return pd.DataFrame(
        {
            "Primary malignancy": t["name"] + " (" + t["abbreviation"] + ")",
            "Metastatic disease at diagnosis": [
                formats.value_range(lo, hi, "percent") + (ADULT_MARK if adult else "")
                for lo, hi, adult in zip(t["metastatic_low"], t["metastatic_high"], t["metastatic_adult"])
            ],
            "Hepatic metastatic disease": [
                formats.value_range(lo, hi, "percent") + (ADULT_MARK if adult else "")
                for lo, hi, adult in zip(t["hepatic_low"], t["hepatic_high"], t["hepatic_adult"])
            ],
            "Treatment options": [labels.interventions(c) for c in t["treatment_options"]],
        }
    )


def _setting(setting: dict) -> str:
    centres = setting.get("centres")
    # "setting not reported" is said once, for the whole cell, and only when nothing else is known.
    parts = [None if centres in (None, "not-reported") else labels.word(labels.CENTRES, centres), setting.get("group")]
    if setting.get("countries"):
        parts.append(", ".join(setting["countries"]))
    return "; ".join(p for p in parts if p) or labels.CENTRES["not-reported"]


def _period(recruitment: dict | None) -> str:
    start, end = (recruitment or {}).get("start"), (recruitment or {}).get("end")
    if start is None and end is None:
        return "period not reported"
    return f"{start if start is not None else '?'}–{end if end is not None else '?'}"


def _population(study: dict) -> str:
    population = study.get("population") or {}
    parts = [population.get("subgroup") or population.get("age_group") or ""]
    median, low, high = population.get("age_median"), population.get("age_min"), population.get("age_max")
    if median is not None:
        parts.append(f"median age {formats.number(median)} years")
    if low is not None and high is not None:
        parts.append(f"age range {formats.number(low)}–{formats.number(high)} years")
    # Unknown counts are left out; when neither is known, "n not reported" says so once.
    n, n_liver = study.get("n_patients"), study.get("n_liver_metastases")
    if n is not None:
        parts.append(f"n = {formats.number(n)}")
    if n_liver is not None:
        parts.append(f"with liver metastases: {formats.number(n_liver)}")
    if n is None and n_liver is None:
        parts.append("n not reported")
    return "; ".join(p for p in parts if p)


def outcome_summary(outcome: dict) -> str:
    """One outcome as a table cell, with its own number of patients:
    ``EFS, liver-only metastases (n = 34): 76% (95% CI 58%–87%)``; counts and single cases as
    numbers of patients, never as rates."""
    measure = labels.word(labels.MEASURES, outcome["measure"])
    head = f"{measure}, {outcome.get('group') or 'all'} ({formats.n_text(outcome.get('n'))})"
    if outcome.get("timepoint_months") is not None:
        head += f", at {formats.number(outcome['timepoint_months'])} months"
    if outcome["kind"] in COUNTED_KINDS:
        value = outcome_value(
            kind=outcome["kind"],
            estimate=outcome["estimate"],
            unit=outcome["unit"],
            events=outcome.get("events"),
            denominator=outcome.get("denominator"),
        )
    else:
        value = formats.estimate(outcome)
    return f"{head}: {value}"


def comparison_summary(comparison: dict) -> str:
    p = comparison.get("p_value")
    if p is None:
        return f"{comparison['description']}: p not reported"
    return f"{comparison['description']}: p {comparison.get('p_relation') or '='} {formats.number(p)}"


def _main_outcomes(study: dict) -> str:
    items = [outcome_summary(o) for o in study.get("outcomes") or []]
    items += [comparison_summary(c) for c in study.get("comparisons") or []]
    figures = "; ".join(items) or "no figures reported"
    return f"{figures}. Finding: {study['note']}" if study.get("note") else figures


def _flags(study: dict) -> str:
    flags = study.get("flags") or []
    return " ".join(f["note"] for f in flags)


# Relative widths of the evidence table's columns, for both editions (see render.table).
EVIDENCE_WIDTHS = [9, 17, 20, 12, 28, 14]
# The studies a tumour's evidence table shows, the most recent (about 2 kB of HTML each): today's
# largest tumour has 10 studies, so today's tables are whole; at issue 11's x100 scale (a thousand
# neuroblastoma studies, 2 MB of HTML) the others are in the evidence explorer and the downloads,
# as the sentence under the table says (text.table_limit_note). The same number as
# chart_data.CHART_STUDIES, so a chapter's table and its charts show the same most recent studies.
EVIDENCE_STUDIES = 60


def evidence_table(tumour: str, limit: int | None = None) -> pd.DataFrame:
    """One row per study of ``tumour`` in ``data/studies/``, oldest first; with ``limit``, only the
    ``limit`` most recent studies.

    Columns: study label; design, setting and period; population and age with the number of
    patients and of patients with liver metastases; interventions; main outcomes (estimates with
    their CIs, contrasts with p-values, the recorded finding); the source inconsistencies flagged in
    the study file. A study file added to the dataset appears here without editing any chapter.
    Show it with ``widths=EVIDENCE_WIDTHS``.
    """
    rows = []
    studies = sorted(dataset.studies(tumour), key=text.chronological)
    for study in studies if limit is None else studies[-limit:]:
        rows.append(
            {
                "Study": study["label"],
                "Design, setting, period": "; ".join(
                    [
                        labels.word(labels.DESIGNS, study["design"]),
                        _setting(study.get("setting") or {}),
                        _period(study.get("recruitment")),
                    ]
                ),
                "Population, age, n": _population(study),
                "Interventions": ", ".join(
                    interventions_text(study.get("interventions") or [], study.get("agents") or [])
                )
                or NOT_REPORTED,
                "Main outcomes": _main_outcomes(study),
                "Source inconsistencies": _flags(study),
            }
        )
    return pd.DataFrame(rows)


# --- Methods -----------------------------------------------------------------------------------


def studies_by_design() -> pd.DataFrame:
    """How many study records the dataset holds per design."""
    designs = [labels.word(labels.DESIGNS, s["design"]) for s in dataset.studies()]
    counts = pd.Series(designs, dtype="object").value_counts().sort_index()
    return pd.DataFrame({"Design": counts.index, "Studies": counts.values})


def screening_rounds() -> pd.DataFrame:
    """The search rounds of the screening log: when, where, how many queries, records and decisions."""
    rows = []
    for r in dataset.screening():
        counts = screening_log.prisma_counts(r)
        rows.append(
            {
                "Round": r["round"],
                "Date": r["date"],
                "Searched": "; ".join(d["name"] for d in r["databases"]) or NOT_REPORTED,
                "Queries": formats.number(len(r["queries"])),
                "Records": formats.number(counts.identified),
                "Removed before screening": formats.number(counts.removed),
                "Excluded": formats.number(counts.excluded),
                "Awaiting screening": formats.number(counts.awaiting),
                "Included": formats.number(counts.included),
            }
        )
    return pd.DataFrame(rows)


def pooling_table(decisions: list[PoolDecision]) -> pd.DataFrame:
    """One row per declared pool: its members, the editor's comparability judgement, the result."""
    rows = []
    for decision in decisions:
        row = {
            "Pool": decision.pool["id"],
            "Outcome": forest.title(decision),
            "Members": "; ".join(f"{r.label} ({formats.n_text(r.n)})" for r in decision.rows.itertuples()),
            "Declared comparable": "; ".join(
                f"{k.replace('_', ' ')}: {v}" for k, v in (decision.pool.get("comparability") or {}).items()
            ),
        }
        if decision.pooled is None:
            row.update(
                {
                    "Pooled (95% CI, HKSJ)": None,
                    "Prediction interval": None,
                    "Heterogeneity": None,
                    "Not pooled because": decision.reason,
                }
            )
        else:
            b = decision.pooled.back_transformed(decision.scale)
            row.update(
                {
                    "Pooled (95% CI, HKSJ)": formats.rounded_percent(
                        100 * b["estimate"], 100 * b["ci_low"], 100 * b["ci_high"]
                    ),
                    "Prediction interval": formats.rounded_interval(100 * b["pi_low"], 100 * b["pi_high"]),
                    "Heterogeneity": stats.heterogeneity_text(decision.pooled),
                    "Not pooled because": None,
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)
