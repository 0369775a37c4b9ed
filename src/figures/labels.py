"""Words for codes: one place, so tables, charts and prose name things the same way."""

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

# Written out, for headings and filters; MEASURES below gives the short forms for tables.
MEASURE_NAMES = {
    "OS": "overall survival",
    "EFS": "event-free survival",
    "DFS": "disease-free survival",
    "response": "response",
    "regression": "regression",
    "perioperative-complications": "perioperative complications",
    "late-liver-findings": "late liver findings",
    "postoperative-death": "postoperative death",
    "disease-death": "death from the disease",
    "liver-metastases": "patients with liver metastases",
    "liver-first-site": "liver as the site of first diagnosis",
    "median-survival": "median survival",
    "median-dfs": "median disease-free survival",
    "hazard-ratio": "hazard ratio",
    "relative-risk": "relative risk",
}

AGE_GROUPS = {
    "pediatric": "pediatric",
    "adolescent": "adolescent",
    "pediatric-adolescent": "pediatric and adolescent",
    "adult": "adult",
    "mixed": "mixed ages",
}


def interventions(codes: list[str]) -> str:
    """A readable list of intervention codes, in the order given."""
    return ", ".join(INTERVENTIONS.get(c, c) for c in codes)



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
}

# Short forms for table cells and chart axes. "OS" is overall survival only: osteosarcoma is always
# written out (see the glossary).
MEASURES = {
    "OS": "OS",
    "EFS": "EFS",
    "DFS": "DFS",
    "response": "response",
    "regression": "regression",
    "perioperative-complications": "perioperative complications",
    "late-liver-findings": "late liver findings",
    "postoperative-death": "postoperative death",
    "disease-death": "disease death",
    "liver-metastases": "liver metastases",
    "liver-first-site": "liver first site",
    "median-survival": "median survival",
    "median-dfs": "median DFS",
    "hazard-ratio": "hazard ratio",
    "relative-risk": "relative risk",
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
APPRAISAL_BASIS = {"source-review": "the source review's summary", "abstract": "the abstract", "full-text": "the full text"}


def age_class(age_group: str | None) -> str:
    """``adult``, ``mixed`` or ``pediatric`` (pediatric, adolescent and pediatric-adolescent)."""
    if age_group in ("adult", "mixed"):
        return age_group
    return "pediatric"
