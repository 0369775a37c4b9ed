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
