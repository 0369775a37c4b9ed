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
    "targeted-therapy": "imatinib (targeted therapy)",
    "radionuclide": "radionuclide therapy",
    "observation": "observation",
    "decompression": "abdominal decompression",
    "somatostatin-analogue": "somatostatin analogues",
}


def interventions(codes: list[str]) -> str:
    """A readable list of intervention codes, in the order given."""
    return ", ".join(INTERVENTIONS.get(c, c) for c in codes)


def percent_range(low: float, high: float) -> str:
    return f"{low:g}%" if low == high else f"{low:g}%–{high:g}%"
