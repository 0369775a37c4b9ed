"""GRADE: the certainty of the evidence for each clinical question, computed from judged domains.

The judgements are data (``data/grade/<id>.yaml``, one clinical question and outcome per file,
checked by ``figures/schema/grade.schema.json``); the certainty is never stored, it follows from
them as GRADE defines:

- start at high for randomised evidence, at low for observational evidence;
- minus 1 for each ``serious`` and 2 for each ``very-serious`` judgement of risk of bias,
  inconsistency, indirectness or imprecision; minus 1 when publication bias is ``suspected`` and 2
  when ``strongly-suspected``;
- plus the upgrades (large effect 1 or 2, dose-response 1, plausible confounding 1);
- kept within very low..high.
"""

from __future__ import annotations

from figures import dataset

LEVELS = ("very low", "low", "moderate", "high")  # lowest first: the index is the level's rank
START = {"randomised": LEVELS.index("high"), "observational": LEVELS.index("low")}
DOWNGRADE_DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
DOWNGRADE_STEPS = {
    "not-serious": 0,
    "serious": 1,
    "very-serious": 2,  # the first four domains
    "undetected": 0,
    "suspected": 1,
    "strongly-suspected": 2,  # publication bias
}
UPGRADES = ("large_effect", "dose_response", "plausible_confounding")


def questions(tumour: str | None = None) -> list[dict]:
    """The GRADE rows (all, or one tumour code's), ordered by id."""
    return [q for q in dataset.grade_questions() if tumour is None or q["tumour"] == tumour]


def load_questions() -> list[dict]:
    """Every GRADE row (the name SPEC-v2 gives; the same as ``questions()``)."""
    return questions()


def downgrades(question: dict) -> dict[str, int]:
    """The levels each domain takes off (0, 1 or 2), by domain name, in GRADE's order."""
    return {domain: DOWNGRADE_STEPS[question["domains"][domain]["judgement"]] for domain in DOWNGRADE_DOMAINS}


def certainty(question: dict) -> str:
    """``"high"``, ``"moderate"``, ``"low"`` or ``"very low"``: start, minus downgrades, plus upgrades."""
    rank = START[question["study_design"]] - sum(downgrades(question).values())
    rank += sum(question["upgrades"][name] for name in UPGRADES)
    return LEVELS[min(max(rank, 0), len(LEVELS) - 1)]


def tumour_certainty(tumour: str) -> str | None:
    """The highest certainty among a tumour's questions, or None when none is graded."""
    ranks = [LEVELS.index(certainty(q)) for q in questions(tumour)]
    return LEVELS[max(ranks)] if ranks else None
