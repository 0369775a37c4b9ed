"""DataFrames for the book's tables (computed, never typed)."""

from __future__ import annotations

import pandas as pd

from figures import dataset, labels

ADULT_MARK = " (adult series)"


def table1() -> pd.DataFrame:
    """Table 1 of the source review, recomputed: ranges per tumour, adult-derived figures marked."""
    t = dataset.tumours()
    return pd.DataFrame(
        {
            "Primary malignancy": t["name"] + " (" + t["abbreviation"] + ")",
            "Metastatic disease at diagnosis": [
                labels.percent_range(lo, hi) + (ADULT_MARK if adult else "")
                for lo, hi, adult in zip(t["metastatic_low"], t["metastatic_high"], t["metastatic_adult"])
            ],
            "Hepatic metastatic disease": [
                labels.percent_range(lo, hi) + (ADULT_MARK if adult else "")
                for lo, hi, adult in zip(t["hepatic_low"], t["hepatic_high"], t["hepatic_adult"])
            ],
            "Treatment options": [labels.interventions(c) for c in t["treatment_options"]],
        }
    )


# --- Conclusion and methods (issue 5) -----------------------------------------------------------

YOUNG_AGE_GROUPS = {"pediatric", "adolescent", "pediatric-adolescent"}
# Series this large, in children or adolescents with liver metastases and with an outcome, are the
# least that lifts the certainty of a tumour's evidence from "very low" to "low" (see methods.md).
MIN_LIVER_SERIES = 10


def _certainty(young: list[dict]) -> str:
    """GRADE-style certainty for single-arm observational evidence: it never exceeds "low"."""
    informative = [
        s for s in young
        if (s.get("n_liver_metastases") or 0) >= MIN_LIVER_SERIES and s.get("outcomes") and s["design"] != "review"
    ]
    return "low" if informative else "very low"


def evidence_base() -> pd.DataFrame:
    """Per tumour: how many studies, how many in young patients, the largest such series, certainty."""
    rows = []
    for t in dataset.tumours().itertuples():
        records = dataset.studies(t.code)
        young = [s for s in records if s["population"]["age_group"] in YOUNG_AGE_GROUPS]
        sizes = [s["n_liver_metastases"] for s in young if s.get("n_liver_metastases") is not None]
        rows.append(
            {
                "Tumour": t.name,
                "Studies": len(records),
                "In children or adolescents": len(young),
                "Adult or mixed ages": len(records) - len(young),
                "Largest young series with liver metastases (patients)": max(sizes) if sizes else "none",
                "Certainty": _certainty(young),
            }
        )
    return pd.DataFrame(rows)


def studies_by_design() -> pd.DataFrame:
    """How many study records the dataset holds per design."""
    counts = pd.Series([s["design"] for s in dataset.studies()], dtype="object").value_counts().sort_index()
    return pd.DataFrame({"Design": counts.index, "Studies": counts.values})
