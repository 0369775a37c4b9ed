"""Forest plots: one per tumour and outcome measure, pooled wherever pooling is sound.

Within a plot, rows that share a time point and an age class form a candidate set. A set is pooled
(random effects, REML, on the logit or log(-log) scale; see ``figures.stats``) only when two or
more studies report it, each once, each with a CI or counts to weigh it, and no adult series sits
with pediatric ones. Every set that is not pooled says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from figures import labels, stats

POOLING_METHOD = "reml"
DIAMOND_HALF_HEIGHT = 0.35
STUDY_COLOUR = "#0072B2"
POOLED_COLOUR = "#D55E00"
# Marker area in px^2 for a weight of 1 (the sole study of a set) and for an unweighted study.
MAX_MARKER_AREA = 400
UNWEIGHTED_MARKER_AREA = 60
LABEL_WIDTH = 300


def age_class(age_group: str | None) -> str:
    """``adult``, ``mixed`` or ``pediatric`` (pediatric, adolescent and pediatric-adolescent)."""
    if age_group in ("adult", "mixed"):
        return age_group
    return "pediatric"


def timepoint_text(months) -> str:
    if months is None or pd.isna(months):
        return "time point not reported"
    months = float(months)
    return f"{months / 12:g}-year" if months % 12 == 0 else f"{months:g}-month"


@dataclass
class PooledSet:
    """A candidate set of rows: pooled (``pooled`` set) or not (``reason`` set)."""

    timepoint: float | None
    age: str
    rows: pd.DataFrame
    scale: str
    pooled: stats.Pooled | None = None
    reason: str | None = None

    @property
    def title(self) -> str:
        return f"{timepoint_text(self.timepoint)}, {self.age} series"

    def summary(self) -> str:
        """One line: the pooled estimate with CI, prediction interval and heterogeneity, or the reason."""
        if self.pooled is None:
            return f"{self.title}: not pooled: {self.reason}."
        b = self.pooled.back_transformed(self.scale)
        text = (
            f"{self.title}: pooled {100 * b['estimate']:.1f}% (95% CI {100 * b['ci_low']:.1f}\u2013"
            f"{100 * b['ci_high']:.1f}), {self.pooled.k} studies, REML on the {self.scale} scale"
        )
        if b["pi_low"] is not None:
            text += f"; 95% prediction interval {100 * b['pi_low']:.1f}\u2013{100 * b['pi_high']:.1f}"
        return text + "; " + stats.heterogeneity_text(self.pooled)


@dataclass
class ForestPlot:
    tumour: str
    measure: str
    sets: list[PooledSet] = field(default_factory=list)

    @property
    def pooled_sets(self) -> list[PooledSet]:
        return [s for s in self.sets if s.pooled is not None]

    @property
    def n_studies(self) -> int:
        return sum(s.rows["citation"].nunique() for s in self.sets)


def _effects(rows: pd.DataFrame, scale: str) -> list[stats.Effect | None]:
    def value(v):
        return None if v is None or pd.isna(v) else float(v)

    return [
        stats.effect_on_scale(
            estimate=value(r.estimate), ci_low=value(r.ci_low), ci_high=value(r.ci_high),
            ci_level=value(r.ci_level), ci_scale=r.ci_scale if isinstance(r.ci_scale, str) else None,
            events=value(r.events), denominator=value(r.denominator), scale=scale,
        )
        for r in rows.itertuples()
    ]


def _why_not_pooled(rows: pd.DataFrame, timepoint, age: str, effects: list) -> str | None:
    if rows["citation"].nunique() < 2:
        return "only one study reports it"
    if timepoint is None:
        return "the time point is not reported, so the estimates may not be comparable"
    if age == "mixed":
        return "the series mix children and adults"
    if rows["citation"].duplicated().any():
        return "a study reports several subgroups, which are not independent estimates"
    if any(e is None for e in effects):
        return "not every study gives a CI or counts to weigh its estimate"
    return None


def as_percentages(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The outcomes that are proportions, as percentages, with a CI wherever one can be had.

    A count with its denominator becomes a percentage; a proportion without a reported CI but with
    its counts gets the exact (Clopper-Pearson) CI. ``ci_source`` says which CI a row shows.
    """
    frame = outcomes.astype({c: "float" for c in ("estimate", "ci_low", "ci_high", "ci_level", "events", "denominator")})
    frame["ci_source"] = None
    counts = frame["events"].notna() & frame["denominator"].notna() & (frame["denominator"] > 0)
    from_counts = ((frame["unit"] == "count") | frame["estimate"].isna()) & counts
    frame.loc[from_counts, "estimate"] = 100 * frame.loc[from_counts, "events"] / frame.loc[from_counts, "denominator"]
    frame.loc[from_counts, "unit"] = "percent"
    frame = frame[frame["unit"] == "percent"].copy()
    frame.loc[frame["ci_low"].notna() & frame["ci_high"].notna(), "ci_source"] = "reported"
    exact = frame["ci_source"].isna() & counts.reindex(frame.index)
    for index in frame.index[exact]:
        low, high = stats.proportion_ci(int(frame.at[index, "events"]), int(frame.at[index, "denominator"]), method="beta")
        frame.loc[index, ["ci_low", "ci_high", "ci_level", "ci_source"]] = [100 * low, 100 * high, 95, "exact from counts"]
    return frame


def forest_plots(outcomes: pd.DataFrame) -> list[ForestPlot]:
    """Every tumour and outcome measure that is a proportion, with its candidate sets."""
    frame = as_percentages(outcomes)
    frame["age"] = frame["age_group"].map(age_class)
    frame["timepoint"] = frame["timepoint_months"].astype("float")
    plots = []
    for (tumour, measure), group in frame.groupby(["tumour", "measure"], sort=True):
        plot = ForestPlot(tumour=tumour, measure=measure)
        scale = stats.pooling_scale(measure)
        keyed = group.assign(_tp=group["timepoint"].fillna(-1))
        for (tp, age), rows in keyed.groupby(["_tp", "age"], sort=True):
            rows = rows.drop(columns="_tp").sort_values(["label", "group"]).reset_index(drop=True)
            timepoint = None if tp < 0 else tp
            effects = _effects(rows, scale)
            reason = _why_not_pooled(rows, timepoint, age, effects)
            if reason and keyed.loc[keyed["_tp"] == tp, "age"].nunique() > 1:
                reason += " (adult series are never pooled with pediatric ones)"
            pooled_set = PooledSet(timepoint=timepoint, age=age, rows=rows, scale=scale, reason=reason)
            if reason is None:
                pooled_set.pooled = stats.pool([e.y for e in effects], [e.v for e in effects], method=POOLING_METHOD)
                pooled_set.rows = rows.assign(weight=pooled_set.pooled.weights)
            plot.sets.append(pooled_set)
        plots.append(plot)
    return plots


def _plot_rows(plot: ForestPlot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows to draw (studies and pooled lines, top to bottom) and the diamonds' outline points."""
    rows, diamonds = [], []
    several_timepoints = len({s.timepoint for s in plot.sets}) > 1
    for pooled_set in plot.sets:
        for r in pooled_set.rows.itertuples():
            n = f" (n = {int(r.n_patients)})" if pd.notna(r.n_patients) else ""
            # Age class and time point first: a long group description may be cut at the panel's edge.
            details = "" if pooled_set.age == "pediatric" else f" [{pooled_set.age}]"
            details += f", {timepoint_text(pooled_set.timepoint)}" if several_timepoints else ""
            details += "" if r.group in (None, "all") or pd.isna(r.group) else f", {r.group}"
            if r.ci_source == "exact from counts":
                ci = f" ({r.ci_low:.1f}\u2013{r.ci_high:.1f}, exact, {int(r.events)}/{int(r.denominator)})"
            elif r.ci_source == "reported":
                ci = f" ({r.ci_low:g}\u2013{r.ci_high:g})"
            else:
                ci = " (CI not reported)"
            rows.append(
                {
                    "row": len(rows), "kind": "study", "label": f"{r.label}{n}{details}",
                    "set": pooled_set.title, "estimate": float(r.estimate),
                    "ci_low": r.ci_low if pd.notna(r.ci_low) else None,
                    "ci_high": r.ci_high if pd.notna(r.ci_high) else None,
                    "text": f"{r.estimate:.3g}%{ci}",
                    "weight": getattr(r, "weight", None),
                    "area": MAX_MARKER_AREA * r.weight if hasattr(r, "weight") else UNWEIGHTED_MARKER_AREA,
                }
            )
        if pooled_set.pooled is not None:
            b = pooled_set.pooled.back_transformed(pooled_set.scale)
            est, low, high = (100 * b[k] for k in ("estimate", "ci_low", "ci_high"))
            row = len(rows)
            rows.append(
                {
                    "row": row, "kind": "pooled", "label": f"Pooled, {pooled_set.title}", "set": pooled_set.title,
                    "estimate": est, "ci_low": low, "ci_high": high,
                    "pi_low": None if b["pi_low"] is None else 100 * b["pi_low"],
                    "pi_high": None if b["pi_high"] is None else 100 * b["pi_high"],
                    "text": f"{est:.1f}% ({low:.1f}\u2013{high:.1f})", "weight": 1.0, "area": 0,
                }
            )
            for x, half in ((low, 0), (est, DIAMOND_HALF_HEIGHT), (high, 0)):
                diamonds.append({"diamond": pooled_set.title, "x": x, "y": row - half, "y2": row + half})
    return pd.DataFrame(rows), pd.DataFrame(diamonds, columns=["diamond", "x", "y", "y2"])


def forest_chart(plot: ForestPlot) -> alt.HConcatChart:
    """The forest plot: labels with n, estimates with CI (marker area = weight), diamonds, text."""
    rows, diamonds = _plot_rows(plot)
    height = 22 * len(rows) + 10
    y = alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[-0.6, len(rows) - 0.4], reverse=True, nice=False, zero=False))
    base = alt.Chart(rows)
    studies = base.transform_filter(alt.datum.kind == "study")
    x = alt.X("estimate:Q", title=f"{labels.MEASURE_NAMES.get(plot.measure, plot.measure)} (%)", scale=alt.Scale(domain=[0, 100]))
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
    # Long labels are cut (with an ellipsis) at the panel's width, so every plot has the same
    # geometry; the full label is in the tooltip and in the evidence table.
    label_panel = base.mark_text(align="left", baseline="middle", limit=LABEL_WIDTH - 5).encode(
        x=alt.value(0), y=y, text="label:N", tooltip=["label:N"]
    ).properties(width=LABEL_WIDTH, height=height)
    value_panel = base.mark_text(align="left", baseline="middle").encode(x=alt.value(0), y=y, text="text:N").properties(width=190, height=height)
    title = f"{labels.TUMOURS.get(plot.tumour, plot.tumour)}: {labels.MEASURE_NAMES.get(plot.measure, plot.measure)}"
    return (
        alt.hconcat(label_panel, plot_panel, value_panel, spacing=6)
        .properties(title=alt.Title(title, subtitle=[s.summary() for s in plot.sets], anchor="start", subtitleFontSize=10))
        .configure_view(stroke=None)
    )


def description(plot: ForestPlot) -> str:
    """The chart's text alternative: what it shows and every set's result."""
    return (
        f"Forest plot of {labels.MEASURE_NAMES.get(plot.measure, plot.measure)} in "
        f"{labels.TUMOURS.get(plot.tumour, plot.tumour)}: {plot.n_studies} estimate(s) with their "
        f"confidence intervals. " + " ".join(s.summary() for s in plot.sets)
    )
