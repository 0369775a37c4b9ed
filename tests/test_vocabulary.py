"""One vocabulary: every code the schemas allow has its words, and the study template lists the
schema's codes. Fast: reads the schemas, the template and ``figures.labels``; builds nothing.

Adding a code (an outcome measure, a design...) to ``schema/codes.schema.json`` without its words
in ``figures/labels.py`` fails here, instead of printing the raw code on a page.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO
from figures import labels, palette, schemas

SCHEMA_DIR = REPO / "src" / "figures" / "schema"
CODES = json.loads((SCHEMA_DIR / "codes.schema.json").read_text(encoding="utf-8"))["$defs"]
GRADE = json.loads((SCHEMA_DIR / "grade.schema.json").read_text(encoding="utf-8"))
STUDY = json.loads((SCHEMA_DIR / "study.schema.json").read_text(encoding="utf-8"))
# Code lists that are never shown as words, and why.
NOT_SHOWN = {
    "ci_scale": "a CI's scale only decides how it is pooled (figures.stats)",
    "timing": "recorded for each study, not shown yet",
    "appraisal_tool": "named in schema/appraisal_tools.yaml (checked below)",
}
# The study template's commented fields, and the code list each comment must list.
TEMPLATE_FIELDS = {
    "design": "design",
    "centres": "centres",
    "tumour": "tumour",
    "age_group": "age_group",
    "timing": "timing",
    "interventions": "intervention",
    "measure": "measure",
    "kind": "outcome_kind",
    "unit": "outcome_unit",
    "scale": "ci_scale",
    "tool": "appraisal_tool",
    "basis": "appraisal_basis",
    "overall": "risk_of_bias",
}


def _enum(definition: dict) -> list[str]:
    return definition.get("enum") or definition.get("items", {}).get("enum") or []


def _code_lists() -> dict[str, list[str]]:
    """Every enumerated code list of codes.schema.json, plus the study schema's own (centres, timing)."""
    lists = {name: _enum(d) for name, d in CODES.items() if _enum(d)}
    lists["centres"] = STUDY["properties"]["setting"]["properties"]["centres"]["enum"]
    lists["timing"] = STUDY["properties"]["timing"]["enum"]
    return lists


def test_the_vocabulary_names_every_code_list_of_the_schema():
    unaccounted = set(_code_lists()) - set(labels.VOCABULARY) - set(NOT_SHOWN)
    assert not unaccounted, f"code lists with no words in figures.labels.VOCABULARY: {sorted(unaccounted)}"


@pytest.mark.parametrize("code_list", sorted(labels.VOCABULARY))
def test_every_code_has_its_words(code_list):
    codes = _code_lists()[code_list]
    for table in labels.VOCABULARY[code_list]:
        missing = [code for code in codes if code not in table]
        assert not missing, f"{code_list}: no words for {missing} (add them to src/figures/labels.py)"


def test_grade_judgements_and_appraisal_tools_have_their_words():
    domain = GRADE["$defs"]["downgrade"]["properties"]["judgement"]["enum"]
    publication = GRADE["properties"]["domains"]["properties"]["publication_bias"]["properties"]["judgement"]["enum"]
    assert set(domain + publication) <= set(labels.GRADE_JUDGEMENTS)
    tools = schemas.appraisal_tools()
    assert all(tools[code]["name"] for code in _code_lists()["appraisal_tool"])


def test_a_code_without_words_fails_loudly():
    with pytest.raises(KeyError, match="no words for the code 'made-up'"):
        labels.word(labels.MEASURE_NAMES, "made-up")


def _template_comments() -> dict[str, str]:
    """Each field of the study template with its comment, continuation lines included."""
    comments, field = {}, None
    for line in (REPO / "src" / "figures" / "templates" / "study.yaml").read_text(encoding="utf-8").splitlines():
        own = re.match(r"\s*(?:- )?([a-z_]+):[^#]*#(.*)", line)
        if own:
            field = own.group(1)
            comments[field] = own.group(2)
            # A CI's scale is documented inside the ci field's comment.
            continue
        more = re.match(r"\s*#(.*)", line)
        if more and field:
            scale = re.match(r"\s*scale:(.*)", more.group(1))
            if scale:
                comments["scale"] = scale.group(1)
            else:
                comments[field] += " " + more.group(1)
    return comments


def _listed_codes(comment: str) -> set[str]:
    """The codes a comment lists: alternatives separated by ``|`` or ``,`` after the last colon,
    with explanations in parentheses dropped."""
    text = re.sub(r"\([^)]*\)", "", comment)
    text = text.rsplit(":", 1)[-1]
    return {part.split()[0].strip('"') for part in re.split(r"[|,]", text) if part.strip()}


@pytest.mark.parametrize("field", sorted(TEMPLATE_FIELDS))
def test_the_study_template_lists_the_schema_codes(field):
    comments = _template_comments()
    assert field in comments, f"the study template has no comment for {field}"
    expected = set(_code_lists()[TEMPLATE_FIELDS[field]])
    assert _listed_codes(comments[field]) == expected, (
        f"{field}: the template's comment does not list the schema's codes"
    )


def test_every_coloured_code_has_its_colour():
    lists = _code_lists()
    assert set(palette.AGE_GROUPS) == set(lists["age_group"])
    assert set(palette.JUDGEMENTS) == set(lists["appraisal_judgement"])
    assert set(palette.RISKS) == set(lists["risk_of_bias"])
    assert (
        set(palette.AGE_CLASSES) == set(labels.AGE_CLASSES) == {labels.age_class(code) for code in lists["age_group"]}
    )
