"""Which declared pools are pooled, and why the others are not: deciding, apart from drawing.

No outcome is grouped with another automatically. A pool lists the outcomes (one per study) that
its editor judged comparable in population, intervention, outcome definition and time point. It is
pooled (``figures.stats.pool``: Paule-Mandel tau^2, Hartung-Knapp-Sidik-Jonkman interval,
prediction interval) only when it has at least three members, each a whole-group estimate
(kind ``proportion``, ``survival`` or ``prevalence``, no ``comparison``) of a different study, each
with a CI or counts to weigh it. Otherwise the decision says why nothing is pooled;
``figures.forest`` draws either.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from figures import formats, stats

POOLABLE_KINDS = frozenset({"proportion", "survival", "prevalence"})


@dataclass
class PoolDecision:
    """A declared pool: its members' outcome rows, and the pooled result or the reason there is none."""

    pool: dict
    rows: pd.DataFrame
    scale: str
    pooled: stats.Pooled | None = None
    reason: str | None = None


def value_or_none(v):
    return None if v is None or pd.isna(v) else float(v)


def _effect(r, scale: str) -> stats.Effect | None:
    return stats.effect_on_scale(
        estimate=value_or_none(r.estimate),
        ci_low=value_or_none(r.ci_low),
        ci_high=value_or_none(r.ci_high),
        ci_level=value_or_none(r.ci_level),
        ci_scale=r.ci_scale if isinstance(r.ci_scale, str) else None,
        events=value_or_none(r.events),
        denominator=value_or_none(r.denominator),
        scale=scale,
    )


def why_not_pooled(rows: pd.DataFrame, missing: list[str], effects: list) -> str | None:
    if missing:
        return "a member is not in the dataset: " + ", ".join(missing)
    if rows["citation"].duplicated().any():
        return "two members come from the same study, so they are not independent estimates"
    if len(rows) < stats.MIN_STUDIES:
        return f"it has {formats.plural(len(rows), 'member')}; a pool needs at least {stats.MIN_STUDIES} studies"
    not_estimates = rows[~rows["kind"].isin(POOLABLE_KINDS) | rows["comparison"].notna()]
    if not not_estimates.empty:
        return "a member is not a whole-group proportion, survival or prevalence estimate: " + ", ".join(
            not_estimates["label"]
        )
    if rows["kind"].nunique() > 1:
        return "its members are different kinds of estimate"
    if any(e is None for e in effects):
        return "not every member gives a CI or counts to weigh its estimate"
    return None


def as_percentages(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Outcomes with a percentage ``estimate`` and a CI wherever one can be had.

    An estimate left null beside its events and denominator is computed from them; a proportion
    without a reported CI but with its counts gets the exact (Clopper-Pearson) CI. ``ci_source``
    says which CI a row shows.
    """
    frame = outcomes.astype(
        {c: "float" for c in ("estimate", "ci_low", "ci_high", "ci_level", "events", "denominator")}
    )
    frame["ci_source"] = None
    counts = frame["events"].notna() & frame["denominator"].notna() & (frame["denominator"] > 0)
    from_counts = frame["estimate"].isna() & counts
    frame.loc[from_counts, "estimate"] = 100 * frame.loc[from_counts, "events"] / frame.loc[from_counts, "denominator"]
    frame.loc[frame["ci_low"].notna() & frame["ci_high"].notna(), "ci_source"] = "reported"
    for index in frame.index[frame["ci_source"].isna() & counts]:
        low, high = stats.proportion_ci(
            int(frame.at[index, "events"]), int(frame.at[index, "denominator"]), method="beta"
        )
        frame.loc[index, ["ci_low", "ci_high", "ci_level", "ci_source"]] = [
            100 * low,
            100 * high,
            95,
            "exact from counts",
        ]
    return frame


def decide(pool: dict, outcomes: pd.DataFrame) -> PoolDecision:
    """Whether one declared ``pool`` (an item of ``data/pools.yaml``) pools, and its result or why not."""
    keys = [(m["citation"], m["outcome"]) for m in pool["members"]]
    indexed = outcomes.set_index(["citation", "outcome_id"], drop=False)
    missing = [f"{c}/{o}" for c, o in keys if (c, o) not in indexed.index]
    rows = as_percentages(indexed.loc[[k for k in keys if k in indexed.index]].reset_index(drop=True))
    scale = stats.pooling_scale(rows["kind"].iloc[0]) if not rows.empty else "logit"
    effects = [_effect(r, scale) for r in rows.itertuples()]
    decision = PoolDecision(pool=pool, rows=rows, scale=scale, reason=why_not_pooled(rows, missing, effects))
    if decision.reason is None:
        decision.pooled = stats.pool([e.y for e in effects], [e.v for e in effects])
        decision.rows = rows.assign(weight=decision.pooled.weights)
    return decision


def decide_all(pools: list[dict], outcomes: pd.DataFrame) -> list[PoolDecision]:
    """One decision per declared pool, in the order of ``data/pools.yaml``."""
    return [decide(pool, outcomes) for pool in pools]
