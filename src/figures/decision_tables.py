"""Decision tables computed from the rules a study records (``recommendations`` in its file).

A study may give advice by sex and by size of the largest residual liver metastasis (the germ cell
tumour series of Rivoire et al. does). The table is not typed: its size bands are cut at every
bound the rules name, and each cell lists the rules that cover the band, so a size that the
printed wording leaves out shows up as a gap instead of being silently filled in.
"""

from __future__ import annotations

import pandas as pd

from figures import dataset

SEXES = {"male": "Men", "female": "Women"}
NO_RULE = "no recommendation stated"


def _bands(rules: list[dict]) -> list[tuple[int | None, int | None]]:
    """Size bands (inclusive, whole millimetres, None = open) cut at every bound of the rules."""
    cuts = sorted(
        {r["size_mm"]["min"] for r in rules if r["size_mm"]["min"] is not None}
        | {r["size_mm"]["max"] + 1 for r in rules if r["size_mm"]["max"] is not None}
    )
    edges = [None, *cuts, None]
    return [(lo, None if hi is None else hi - 1) for lo, hi in zip(edges[:-1], edges[1:])]


def _covers(rule: dict, band: tuple[int | None, int | None]) -> bool:
    lo, hi = rule["size_mm"]["min"], rule["size_mm"]["max"]
    band_lo, band_hi = band
    above = lo is None or (band_lo is not None and band_lo >= lo)
    below = hi is None or (band_hi is not None and band_hi <= hi)
    return above and below


def band_label(band: tuple[int | None, int | None]) -> str:
    lo, hi = band
    if lo is None:
        return f"up to {hi} mm"
    if hi is None:
        return f"{lo} mm or more"
    return f"{lo} mm" if lo == hi else f"{lo}\u2013{hi} mm"


def _cell(rules: list[dict]) -> str:
    if not rules:
        return NO_RULE
    return "; ".join(r["action"] + (f" ({r['qualifier']})" if r.get("qualifier") else "") for r in rules)


def size_recommendations(citation: str) -> pd.DataFrame:
    """The study's advice as a grid: one row per size band, one column per sex."""
    rules = dataset.study(citation).get("recommendations") or []
    if not rules:
        raise ValueError(f"data/studies/{citation}.yaml records no recommendations")
    rows = []
    for band in _bands(rules):
        row = {"Largest residual liver metastasis": band_label(band)}
        for sex, column in SEXES.items():
            row[column] = _cell([r for r in rules if r["sex"] in (sex, "any") and _covers(r, band)])
        rows.append(row)
    return pd.DataFrame(rows)


def uncovered(citation: str) -> str:
    """The sizes and sexes for which the study states no advice, as a phrase for the prose."""
    grid = size_recommendations(citation)
    gaps = [
        f"{row['Largest residual liver metastasis']} in {column.lower()}"
        for _, row in grid.iterrows()
        for column in SEXES.values()
        if row[column] == NO_RULE
    ]
    if not gaps:
        return "none"
    return gaps[0] if len(gaps) == 1 else ", ".join(gaps[:-1]) + " and " + gaps[-1]
