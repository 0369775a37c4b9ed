"""Words for codes: one place, so tables, charts and prose name things the same way.

Every code of ``schema/codes.schema.json`` has its words here (``VOCABULARY`` says which table
holds which code list; ``tests/test_vocabulary.py`` checks it). Look words up with :func:`word`:
a code without words is an error, never printed raw.
"""

from figures import formats


def _one_form(words: str) -> tuple[str, str]:
    """Words whose short form is the written-out form."""
    return words, words


def _forms(words: dict[str, tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """The two forms of a code's words (``code: (first, second)``) as two tables."""
    return {code: w[0] for code, w in words.items()}, {code: w[1] for code, w in words.items()}


INTERVENTIONS = {
    "resection": "surgery",
    "chemotherapy": "chemotherapy",
    "radiotherapy": "radiation therapy",
    "ablation": "ablation",
    "embolization": "hepatic artery embolization",
    "chemoembolization": "hepatic artery chemoembolization",
    "transplant": "liver transplant",
    "hipec": "HIPEC",
    "targeted-therapy": "targeted therapy",
    "radionuclide": "radionuclide therapy",
    "observation": "observation",
    "decompression": "abdominal decompression",
    "somatostatin-analogue": "somatostatin analogues",
}


TUMOURS = {
    "nb": "neuroblastoma",
    "wt": "Wilms tumor",
    "gct": "germ cell tumors",
    "gist": "gastrointestinal stromal tumors",
    "os": "osteosarcoma",
    "dsrct": "desmoplastic small round cell tumor",
    "net": "neuroendocrine tumors",
    "crc": "colorectal cancer (adult)",
    "mixed": "several primaries",
}

# Each measure written out (headings, filters, chart legends) and in its short form (table cells,
# chart axes). "OS" is overall survival only: osteosarcoma is always written out (see the glossary).
MEASURE_WORDS = {
    "OS": ("overall survival", "OS"),
    "EFS": ("event-free survival", "EFS"),
    "DFS": ("disease-free survival", "DFS"),
    "response": _one_form("response"),
    "regression": _one_form("regression"),
    "perioperative-complications": _one_form("perioperative complications"),
    "late-liver-findings": _one_form("late liver findings"),
    "postoperative-death": _one_form("postoperative death"),
    "disease-death": ("death from the disease", "disease death"),
    "liver-metastases": ("patients with liver metastases", "liver metastases"),
    "liver-first-site": ("liver as the site of first diagnosis", "liver first site"),
    "median-survival": _one_form("median survival"),
    "median-dfs": ("median disease-free survival", "median DFS"),
    "hazard-ratio": _one_form("hazard ratio"),
    "relative-risk": _one_form("relative risk"),
}
MEASURE_NAMES, MEASURES = _forms(MEASURE_WORDS)

# Each age group as an adjective for the series (tables, the explorer) and as the patients, with
# their ages (chart legends). The order is the legends' order.
AGE_GROUP_WORDS = {
    "pediatric": ("pediatric", "children (<15 y)"),
    "adolescent": ("adolescent", "adolescents (15-19 y)"),
    "pediatric-adolescent": ("pediatric and adolescent", "children and adolescents"),
    "mixed": ("mixed ages", "mixed ages (adolescents and adults)"),
    "adult": ("adult", "adults"),
}
AGE_GROUPS, AGE_GROUP_PATIENTS = _forms(AGE_GROUP_WORDS)
# The coarse age classes of the evidence map and the explorer's filter, and the age groups that
# count as young patients (children or adolescents).
AGE_CLASSES = ("pediatric", "adult", "mixed")
YOUNG_AGE_GROUPS = ("pediatric", "adolescent", "pediatric-adolescent")


def word(table: dict[str, str], code: str) -> str:
    """The words for ``code`` in ``table``; a code without words fails loudly."""
    try:
        return table[code]
    except KeyError:
        raise KeyError(f"no words for the code {code!r}: add them to src/figures/labels.py") from None


def interventions(codes: list[str]) -> str:
    """A readable list of intervention codes, in the order given."""
    return ", ".join(word(INTERVENTIONS, c) for c in codes)


DESIGNS = {
    "retrospective-series": "retrospective series",
    "prospective-cohort": "prospective cohort",
    "trial-cohort": "cohort of trial patients",
    "case-report": "case report",
    "registry": "registry study",
    "review": "review",
}

CENTRES = {
    "single": "single center",
    "multi": "multicenter",
    "cooperative-group": "cooperative group",
    "registry": "registry",
    "not-reported": "setting not reported",
}

# What kind of number an outcome is (figures.dataset outcome column ``kind``).
KINDS = {
    "proportion": "proportion",
    "survival": "survival estimate",
    "prevalence": "prevalence",
    "count": "count of selected cases",
    "case": "single case",
    "time": "time",
    "ratio": "ratio",
}

APPRAISAL_JUDGEMENTS = {"yes": "yes", "no": "no", "unclear": "unclear", "not-applicable": "not applicable"}
RISK_OF_BIAS = {"low": "low", "moderate": "moderate", "high": "high", "unclear": "unclear"}
# GRADE: a downgrade domain's judgement, and publication bias's own scale (grade.schema.json).
GRADE_JUDGEMENTS = {
    "not-serious": "not serious",
    "serious": "serious",
    "very-serious": "very serious",
    "undetected": "undetected",
    "suspected": "suspected",
    "strongly-suspected": "strongly suspected",
}
APPRAISAL_BASIS = {
    "source-review": "the source review's summary",
    "abstract": "the abstract",
    "full-text": "the full text",
}


# Survival-type measures: drawn together on one percentage scale.
SURVIVAL_MEASURES = ("OS", "EFS", "DFS")


def age_class(age_group: str | None) -> str:
    """``adult``, ``mixed`` or ``pediatric`` (pediatric, adolescent and pediatric-adolescent)."""
    if age_group in ("adult", "mixed"):
        return age_group
    return "pediatric"


def is_young(age_group: str | None) -> bool:
    """Children or adolescents (not adults, not mixed ages)."""
    return age_group in YOUNG_AGE_GROUPS


# Which words name which code list of schema/codes.schema.json ($defs; "centres" is the study
# schema's setting.centres): every code of each list
# must have words in each of its tables. Units are written by figures.formats.UNITS; appraisal
# tools are named in schema/appraisal_tools.yaml; a CI's scale is never shown (only pooled on).
VOCABULARY = {
    "tumour": (TUMOURS,),
    "age_group": (AGE_GROUP_WORDS,),
    "design": (DESIGNS,),
    "centres": (CENTRES,),
    "intervention": (INTERVENTIONS,),
    "measure": (MEASURE_WORDS,),
    "outcome_kind": (KINDS,),
    "appraisal_basis": (APPRAISAL_BASIS,),
    "appraisal_judgement": (APPRAISAL_JUDGEMENTS,),
    "risk_of_bias": (RISK_OF_BIAS,),
    "outcome_unit": (formats.UNITS,),
    "fact_unit": (formats.UNITS,),
}
