"""GRADE summary-of-findings tables: one per tumour, one row per clinical question and outcome.

The rows are ``data/grade/<id>.yaml`` (through ``figures.grade``); the certainty in the last column
is computed by ``grade.certainty`` from the judged domains, never typed. Cells are plain text;
``render.table`` escapes them for HTML and LaTeX.
"""

from __future__ import annotations

import pandas as pd

from figures import dataset, grade, labels

DOMAIN_NAMES = {
    "risk_of_bias": "risk of bias",
    "inconsistency": "inconsistency",
    "indirectness": "indirectness",
    "imprecision": "imprecision",
    "publication_bias": "publication bias",
}
UPGRADE_NAMES = {
    "large_effect": "large effect",
    "dose_response": "dose-response",
    "plausible_confounding": "plausible confounding",
}
COLUMNS = ["Question and outcome", "Studies (patients)", "Effect", "GRADE domains", "Certainty"]
# Relative column widths for both editions: the domains' reasons need the most room.
WIDTHS = [20, 14, 18, 36, 8]


def _question(q: dict) -> str:
    comparison = f"; compared with: {q['comparison']}" if q.get("comparison") else ""
    return (
        f"{q['question']} (population: {q['population']}; "
        f"intervention: {q['intervention']}{comparison}; outcome: {q['outcome']})"
    )


def _studies(q: dict) -> str:
    names = [dataset.study(e["citation"])["label"] for e in q["evidence"]]
    patients = "patients not known" if q.get("patients") is None else f"{q['patients']} patients"
    count = f"{len(names)} {'study' if len(names) == 1 else 'studies'}"
    return f"{count}, {q['study_design']} ({', '.join(names)}); {patients}"


def _domains(q: dict) -> str:
    parts = []
    for key, name in DOMAIN_NAMES.items():
        domain = q["domains"][key]
        parts.append(f"{name}: {labels.word(labels.GRADE_JUDGEMENTS, domain['judgement'])} ({domain['reason']})")
    ups = [f"{UPGRADE_NAMES[k]} +{v}" for k, v in q["upgrades"].items() if v]
    parts.append("upgrades: " + (", ".join(ups) if ups else "none"))
    return "; ".join(parts)


def _certainty(q: dict) -> str:
    down = sum(grade.downgrades(q).values())
    up = sum(q["upgrades"].values())
    start = "high" if q["study_design"] == "randomised" else "low"
    return f"{grade.certainty(q)} (starts {start}; {down} down, {up} up)"


def sof_table(tumour: str) -> pd.DataFrame:
    """The summary-of-findings rows of ``tumour``, ordered by question id (empty when none)."""
    rows = [
        dict(zip(COLUMNS, (_question(q), _studies(q), q["effect"], _domains(q), _certainty(q))))
        for q in grade.questions(tumour)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def graded_tumours() -> list[str]:
    """Tumour codes with at least one GRADE row, in the order of ``tumours.yaml``."""
    graded = {q["tumour"] for q in grade.questions()}
    order = list(dataset.tumours()["code"])
    return [code for code in order if code in graded] + sorted(graded - set(order))


def caption(tumour: str) -> str:
    return (
        f"Summary of findings: {labels.word(labels.TUMOURS, tumour)} (certainty computed from the judged GRADE domains)"
    )
