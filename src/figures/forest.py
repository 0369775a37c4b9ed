"""Forest plots of the pools an editor declared in ``data/pools.yaml``, and nothing else.

No outcome is grouped with another automatically. A pool lists the outcomes (one per study) that
its editor judged comparable in population, intervention, outcome definition and time point. It is
pooled (``figures.stats.pool``: Paule-Mandel tau^2, Hartung-Knapp-Sidik-Jonkman interval,
prediction interval) only when it has at least three members, each a whole-group estimate
(kind ``proportion``, ``survival`` or ``prevalence``, no ``comparison``) of a different study, each
with a CI or counts to weigh it. Otherwise the plot still shows the members and says why nothing
is pooled.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from figures import labels, stats, text

POOLABLE_KINDS = frozenset({"proportion", "survival", "prevalence"})
DIAMOND_HALF_HEIGHT = 0.35
STUDY_COLOUR = "#0072B2"
POOLED_COLOUR = "#D55E00"
# Marker area in px^2 for a weight of 1 and for a member that is not weighed (nothing pooled).
MAX_MARKER_AREA = 400
UNWEIGHTED_MARKER_AREA = 60
LABEL_WIDTH = 300


def timepoint_text(months) -> str:
    if months is None or pd.isna(months):
        return "time point not reported"
    months = float(months)
    return f"{months / 12:g}-year" if months % 12 == 0 else f"{months:g}-month"


def n_text(n) -> str:
    """The number of patients an outcome is about: ``n = 34``, or ``n not reported``."""
    return "n not reported" if n is None or pd.isna(n) else f"n = {int(n)}"


@dataclass
class ForestPlot:
    """A declared pool: its members' outcome rows, and the pooled result or the reason there is none."""

    pool: dict
    rows: pd.DataFrame
    scale: str
    pooled: stats.Pooled | None = None
    reason: str | None = None

    @property
    def title(self) -> str:
        tumours = sorted({labels.TUMOURS.get(t, t) for t in self.rows["tumour"]}) if not self.rows.empty else []
        measure = labels.MEASURE_NAMES.get(self.pool["measure"], self.pool["measure"])
        where = f" in {', '.join(tumours)}" if tumours else ""
        return f"{timepoint_text(self.pool.get('timepoint_months'))} {measure}{where}"

    def summary(self) -> str:
        """One line: the pooled estimate with HKSJ CI, prediction interval and heterogeneity, or the reason."""
        if self.pooled is None:
            return f"Not pooled: {self.reason}."
        b = self.pooled.back_transformed(self.scale)
        return (
            f"Pooled {100 * b['estimate']:.1f}% (95% CI {100 * b['ci_low']:.1f}\u2013{100 * b['ci_high']:.1f}, "
            f"Hartung-Knapp-Sidik-Jonkman); 95% prediction interval {100 * b['pi_low']:.1f}\u2013{100 * b['pi_high']:.1f}; "
            f"{self.pooled.k} studies, random effects (Paule-Mandel) on the {self.scale} scale; "
            + stats.heterogeneity_text(self.pooled)
        )


def _value(v):
    return None if v is None or pd.isna(v) else float(v)


def _effect(r, scale: str) -> stats.Effect | None:
    return stats.effect_on_scale(
        estimate=_value(r.estimate), ci_low=_value(r.ci_low), ci_high=_value(r.ci_high),
        ci_level=_value(r.ci_level), ci_scale=r.ci_scale if isinstance(r.ci_scale, str) else None,
        events=_value(r.events), denominator=_value(r.denominator), scale=scale,
    )


def _why_not_pooled(rows: pd.DataFrame, missing: list[str], effects: list) -> str | None:
    if missing:
        return "a member is not in the dataset: " + ", ".join(missing)
    if rows["citation"].duplicated().any():
        return "two members come from the same study, so they are not independent estimates"
    if len(rows) < stats.MIN_STUDIES:
        return f"it has {text.plural(len(rows), 'member')}; a pool needs at least {stats.MIN_STUDIES} studies"
    not_estimates = rows[~rows["kind"].isin(POOLABLE_KINDS) | rows["comparison"].notna()]
    if not not_estimates.empty:
        return "a member is not a whole-group proportion, survival or prevalence estimate: " + ", ".join(not_estimates["label"])
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
    frame = outcomes.astype({c: "float" for c in ("estimate", "ci_low", "ci_high", "ci_level", "events", "denominator")})
    frame["ci_source"] = None
    counts = frame["events"].notna() & frame["denominator"].notna() & (frame["denominator"] > 0)
    from_counts = frame["estimate"].isna() & counts
    frame.loc[from_counts, "estimate"] = 100 * frame.loc[from_counts, "events"] / frame.loc[from_counts, "denominator"]
    frame.loc[frame["ci_low"].notna() & frame["ci_high"].notna(), "ci_source"] = "reported"
    for index in frame.index[frame["ci_source"].isna() & counts]:
        low, high = stats.proportion_ci(int(frame.at[index, "events"]), int(frame.at[index, "denominator"]), method="beta")
        frame.loc[index, ["ci_low", "ci_high", "ci_level", "ci_source"]] = [100 * low, 100 * high, 95, "exact from counts"]
    return frame


def forest_plot(pool: dict, outcomes: pd.DataFrame) -> ForestPlot:
    """The forest plot of one declared ``pool`` (an item of ``data/pools.yaml``)."""
    keys = [(m["citation"], m["outcome"]) for m in pool["members"]]
    indexed = outcomes.set_index(["citation", "outcome_id"], drop=False)
    missing = [f"{c}/{o}" for c, o in keys if (c, o) not in indexed.index]
    rows = as_percentages(indexed.loc[[k for k in keys if k in indexed.index]].reset_index(drop=True))
    scale = stats.pooling_scale(rows["kind"].iloc[0]) if not rows.empty else "logit"
    effects = [_effect(r, scale) for r in rows.itertuples()]
    plot = ForestPlot(pool=pool, rows=rows, scale=scale, reason=_why_not_pooled(rows, missing, effects))
    if plot.reason is None:
        plot.pooled = stats.pool([e.y for e in effects], [e.v for e in effects])
        plot.rows = rows.assign(weight=plot.pooled.weights)
    return plot


def forest_plots(pools: list[dict], outcomes: pd.DataFrame) -> list[ForestPlot]:
    """One forest plot per declared pool, in the order of ``data/pools.yaml``."""
    return [forest_plot(pool, outcomes) for pool in pools]


def _plot_rows(plot: ForestPlot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows to draw (members, then the pooled line) and the diamond's outline points."""
    rows, diamonds = [], []
    for r in plot.rows.itertuples():
        group = "" if r.group in (None, "all") or pd.isna(r.group) else f", {r.group}"
        if r.ci_source == "exact from counts":
            ci = f" ({r.ci_low:.1f}\u2013{r.ci_high:.1f}, exact, {int(r.events)}/{int(r.denominator)})"
        elif r.ci_source == "reported":
            ci = f" ({r.ci_low:g}\u2013{r.ci_high:g})"
        else:
            ci = " (CI not reported)"
        weight = getattr(r, "weight", None)
        rows.append(
            {
                "row": len(rows), "kind": "study", "label": f"{r.label} ({n_text(r.n)}){group}",
                "estimate": float(r.estimate), "ci_low": _value(r.ci_low), "ci_high": _value(r.ci_high),
                "text": f"{r.estimate:.3g}%{ci}", "weight": weight,
                "area": UNWEIGHTED_MARKER_AREA if weight is None else MAX_MARKER_AREA * weight,
            }
        )
    if plot.pooled is not None:
        b = plot.pooled.back_transformed(plot.scale)
        est, low, high = (100 * b[k] for k in ("estimate", "ci_low", "ci_high"))
        row = len(rows)
        rows.append(
            {
                "row": row, "kind": "pooled", "label": f"Pooled ({plot.pooled.k} studies)",
                "estimate": est, "ci_low": low, "ci_high": high,
                "pi_low": 100 * b["pi_low"], "pi_high": 100 * b["pi_high"],
                "text": f"{est:.1f}% ({low:.1f}\u2013{high:.1f})", "weight": 1.0, "area": 0,
            }
        )
        for x, half in ((low, 0), (est, DIAMOND_HALF_HEIGHT), (high, 0)):
            diamonds.append({"diamond": plot.pool["id"], "x": x, "y": row - half, "y2": row + half})
    return pd.DataFrame(rows), pd.DataFrame(diamonds, columns=["diamond", "x", "y", "y2"])


def forest_chart(plot: ForestPlot) -> alt.HConcatChart:
    """The forest plot: labels with each outcome's n, estimates with CI (area = weight), diamond, text."""
    rows, diamonds = _plot_rows(plot)
    height = 22 * len(rows) + 10
    y = alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[-0.6, len(rows) - 0.4], reverse=True, nice=False, zero=False))
    base = alt.Chart(rows)
    studies = base.transform_filter(alt.datum.kind == "study")
    measure = labels.MEASURE_NAMES.get(plot.pool["measure"], plot.pool["measure"])
    x = alt.X("estimate:Q", title=f"{measure} (%)", scale=alt.Scale(domain=[0, 100]))
    layers = [
        studies.mark_rule(color=STUDY_COLOUR).encode(x=alt.X("ci_low:Q"), x2="ci_high:Q", y=y),
        studies.mark_square(color=STUDY_COLOUR, opacity=1).encode(
            x=x, y=y, size=alt.Size("area:Q", scale=None, legend=None),
            tooltip=["label:N", "text:N", alt.Tooltip("weight:Q", format=".1%")],
        ),
    ]
    if not diamonds.empty:
        pooled = base.transform_filter(alt.datum.kind == "pooled")
        layers += [
            pooled.mark_rule(color=POOLED_COLOUR, strokeDash=[4, 3]).encode(x=alt.X("pi_low:Q"), x2="pi_high:Q", y=y),
            alt.Chart(diamonds).mark_area(color=POOLED_COLOUR, opacity=1).encode(
                x=alt.X("x:Q"), y=alt.Y("y:Q"), y2="y2:Q", detail="diamond:N"
            ),
        ]
    plot_panel = alt.layer(*layers).properties(width=260, height=height)
    # Long labels are cut (with an ellipsis) at the panel's width; the full label is in the tooltip.
    label_panel = base.mark_text(align="left", baseline="middle", limit=LABEL_WIDTH - 5).encode(
        x=alt.value(0), y=y, text="label:N", tooltip=["label:N"]
    ).properties(width=LABEL_WIDTH, height=height)
    value_panel = base.mark_text(align="left", baseline="middle").encode(x=alt.value(0), y=y, text="text:N").properties(width=190, height=height)
    return (
        alt.hconcat(label_panel, plot_panel, value_panel, spacing=6)
        .properties(title=alt.Title(plot.title, subtitle=[plot.summary()], anchor="start", subtitleFontSize=10))
        .configure_view(stroke=None)
    )


def description(plot: ForestPlot) -> str:
    """The chart's text alternative: what it shows, every member with its n, and the result."""
    members = "; ".join(
        f"{r.label} ({n_text(r.n)}) {r.estimate:.3g}%" for r in plot.rows.itertuples()
    )
    return f"Forest plot of the declared pool {plot.pool['id']}, {plot.title}: {members}. {plot.summary()}"
