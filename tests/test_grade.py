"""GRADE certainty: the arithmetic of src/figures/grade.py, and the project's GRADE rows."""

from __future__ import annotations

import copy

import pytest

from figures import grade

DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision")


def _question(design="observational", publication_bias="undetected", upgrades=None, **judgements):
    """A GRADE row with every domain not serious unless ``judgements`` says otherwise."""
    domains = {d: {"judgement": judgements.get(d, "not-serious"), "reason": "test"} for d in DOMAINS}
    domains["publication_bias"] = {"judgement": publication_bias, "reason": "test"}
    ups = {"large_effect": 0, "dose_response": 0, "plausible_confounding": 0, **(upgrades or {})}
    return {"id": "q", "tumour": "wt", "study_design": design, "domains": domains, "upgrades": ups}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (_question(), "low"),  # observational evidence starts low
        (_question("randomised"), "high"),  # randomised evidence starts high
        (_question("randomised", risk_of_bias="serious"), "moderate"),
        (_question("randomised", risk_of_bias="serious", imprecision="very-serious"), "very low"),
        (_question("randomised", publication_bias="suspected"), "moderate"),
        (_question("randomised", publication_bias="strongly-suspected"), "low"),
        (_question(risk_of_bias="serious"), "very low"),
        # never below very low, however many downgrades
        (_question(risk_of_bias="very-serious", inconsistency="very-serious", imprecision="very-serious"), "very low"),
        (_question(upgrades={"large_effect": 1}), "moderate"),
        (_question(upgrades={"large_effect": 2}), "high"),
        (_question(upgrades={"large_effect": 2, "dose_response": 1}), "high"),  # never above high
        (_question(imprecision="serious", upgrades={"large_effect": 1}), "low"),
        (_question("randomised", indirectness="serious", upgrades={"plausible_confounding": 1}), "high"),
    ],
)
def test_certainty_follows_the_domains(question, expected):
    assert grade.certainty(question) == expected


def test_downgrades_are_counted_per_domain_in_grades_order():
    question = _question(inconsistency="serious", imprecision="very-serious", publication_bias="suspected")
    assert grade.downgrades(question) == {
        "risk_of_bias": 0,
        "inconsistency": 1,
        "indirectness": 0,
        "imprecision": 2,
        "publication_bias": 1,
    }


def test_the_certainty_is_not_read_from_the_file():
    question = _question("randomised")
    stored = copy.deepcopy(question) | {"certainty": "very low"}
    assert grade.certainty(stored) == "high"


def test_tumour_certainty_is_the_highest_of_its_questions(monkeypatch):
    rows = [
        _question(risk_of_bias="serious") | {"id": "a", "tumour": "wt"},
        _question() | {"id": "b", "tumour": "wt"},
        _question("randomised") | {"id": "c", "tumour": "nb"},
    ]
    monkeypatch.setattr(grade.dataset, "grade_questions", lambda: rows)
    assert [q["id"] for q in grade.questions("wt")] == ["a", "b"]
    assert grade.tumour_certainty("wt") == "low"
    assert grade.tumour_certainty("nb") == "high"
    assert grade.tumour_certainty("gct") is None
