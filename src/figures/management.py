"""The conclusion's summary of how liver metastases are managed, tumour by tumour.

The words come from ``data/management.yaml``; the evidence column is counted from the study files
and the certainty comes from the GRADE questions (``figures.grade``), so neither is ever typed.
"""

from __future__ import annotations

import pandas as pd

from figures import dataset, formats, grade, labels, render, text

NOT_GRADED = "not yet graded"
COLUMNS = {
    "tumour": "Tumor",
    "presentation": "How liver disease presents",
    "first_line": "First-line approach",
    "liver_directed": "When resection or other liver-directed treatment is considered",
    "evidence": "Evidence in the dataset",
    "certainty": "Certainty",
}
# Relative widths of the columns in the PDF (the HTML table stacks its rows on a phone instead).
WIDTHS = [10, 17, 19, 24, 16, 9]


def certainty(tumour: str) -> str:
    """The highest certainty among the graded questions on ``tumour``, or "not yet graded"."""
    return grade.tumour_certainty(tumour) or NOT_GRADED


def evidence(tumour: str) -> str:
    """What the evidence on ``tumour`` is, counted from the study files: ``3 studies, 2 in children
    or adolescents``."""
    records = dataset.studies(tumour)
    young = sum(labels.is_young(s["population"]["age_group"]) for s in records)
    if not records:
        return "no study yet"
    if young == len(records):
        share = "all in children or adolescents" if young > 1 else "in children or adolescents"
    elif young == 0:
        share = "none in children or adolescents"
    else:
        share = f"{young} in children or adolescents"
    return f"{formats.plural(len(records), 'study', 'studies')}, {share}"


def _items() -> list[tuple[str, dict]]:
    """``(tumour name, item)`` for every item of ``data/management.yaml``, in Table 1's order."""
    table = dataset.tumours()
    names = dict(zip(table["code"], table["name"]))
    order = {code: i for i, code in enumerate(names)}
    return [
        (names[item["tumour"]], item) for item in sorted(dataset.management(), key=lambda item: order[item["tumour"]])
    ]


def summary_frame() -> pd.DataFrame:
    """One row per tumour of ``data/management.yaml``, in Table 1's order."""
    rows = [
        {
            COLUMNS["tumour"]: name,
            COLUMNS["presentation"]: item["presentation"],
            COLUMNS["first_line"]: item["first_line"],
            COLUMNS["liver_directed"]: item["liver_directed"],
            COLUMNS["evidence"]: evidence(item["tumour"]),
            COLUMNS["certainty"]: certainty(item["tumour"]),
        }
        for name, item in _items()
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS.values()))


def summary_table() -> render.Display:
    """The summary table of the conclusion."""
    return render.stacked_table(
        summary_frame(),
        caption=(
            "Management of liver metastases by tumor: presentation, first-line approach, "
            "when liver-directed treatment is considered, the evidence and its certainty"
        ),
        widths=WIDTHS,
    )


def bottom_lines() -> render.Display:
    """Every tumour's bottom line from ``data/management.yaml`` with its certainty, in Table 1's
    order, as a definition list."""
    lines, plain = [], []
    for name, item in _items():
        head = f"{name} (certainty: {certainty(item['tumour'])})"
        lines += [
            render.escape_markdown(head),
            f": {render.escape_markdown(item['bottom_line'])} {text.cite_role(item['citations'])}",
            "",
        ]
        plain.append(f"{head}: {item['bottom_line']}")
    return render.markdown("\n".join(lines), "\n".join(plain))
