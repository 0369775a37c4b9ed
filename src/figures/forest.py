"""Forest plots of the pools an editor declared in ``data/pools.yaml``: drawing only.

Whether a pool is pooled, and why not, is decided in ``figures.pooling``; this module draws the
decision: every member with its own n and CI (marker area = weight), and the pooled diamond and
prediction interval when there is one.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures import formats, labels, palette, stats
from figures.pooling import PoolDecision, value_or_none

DIAMOND_HALF_HEIGHT = 0.35
# Marker area in px^2 for a weight of 1 and for a member that is not weighed (nothing pooled).
MAX_MARKER_AREA = 400
UNWEIGHTED_MARKER_AREA = 60
LABEL_WIDTH = 300


def title(decision: PoolDecision) -> str:
    """``5-year overall survival in Wilms tumor``: what the pool is about."""
    tumours = (
        sorted({labels.word(labels.TUMOURS, t) for t in decision.rows["tumour"]}) if not decision.rows.empty else []
    )
    measure = labels.word(labels.MEASURE_NAMES, decision.pool["measure"])
    where = f" in {', '.join(tumours)}" if tumours else ""
    return f"{formats.timepoint_text(decision.pool.get('timepoint_months'))} {measure}{where}"


def summary(decision: PoolDecision) -> str:
    """One line: the pooled estimate with HKSJ CI, prediction interval and heterogeneity, or the reason."""
    if decision.pooled is None:
        return f"Not pooled: {decision.reason}."
    b = decision.pooled.back_transformed(decision.scale)
    return (
        f"Pooled {formats.rounded(100 * b['estimate'])}% "
        f"(95% CI {formats.rounded_interval(100 * b['ci_low'], 100 * b['ci_high'])}, "
        f"Hartung-Knapp-Sidik-Jonkman); "
        f"95% prediction interval {formats.rounded_interval(100 * b['pi_low'], 100 * b['pi_high'])}; "
        f"{decision.pooled.k} studies, random effects (Paule-Mandel) on the {decision.scale} scale; "
        + stats.heterogeneity_text(decision.pooled)
    )


def _plot_rows(plot: PoolDecision) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows to draw (members, then the pooled line) and the diamond's outline points."""
    rows, diamonds = [], []
    for r in plot.rows.itertuples():
        group = "" if r.group in (None, "all") or pd.isna(r.group) else f", {r.group}"
        if r.ci_source == "exact from counts":
            ci = f" ({formats.rounded_interval(r.ci_low, r.ci_high)}, exact, {int(r.events)}/{int(r.denominator)})"
        elif r.ci_source == "reported":
            ci = f" ({formats.interval(r.ci_low, r.ci_high)})"
        else:
            ci = " (CI not reported)"
        weight = getattr(r, "weight", None)
        rows.append(
            {
                "row": len(rows),
                "kind": "study",
                "label": f"{r.label} ({formats.n_text(r.n)}){group}",
                "estimate": float(r.estimate),
                "ci_low": value_or_none(r.ci_low),
                "ci_high": value_or_none(r.ci_high),
                "text": f"{formats.three_figures(r.estimate)}%{ci}",
                "weight": weight,
                "area": UNWEIGHTED_MARKER_AREA if weight is None else MAX_MARKER_AREA * weight,
            }
        )
    if plot.pooled is not None:
        b = plot.pooled.back_transformed(plot.scale)
        est, low, high = (100 * b[k] for k in ("estimate", "ci_low", "ci_high"))
        row = len(rows)
        rows.append(
            {
                "row": row,
                "kind": "pooled",
                "label": f"Pooled ({plot.pooled.k} studies)",
                "estimate": est,
                "ci_low": low,
                "ci_high": high,
                "pi_low": 100 * b["pi_low"],
                "pi_high": 100 * b["pi_high"],
                "text": formats.rounded_percent(est, low, high),
                "weight": 1.0,
                "area": 0,
            }
        )
        for x, half in ((low, 0), (est, DIAMOND_HALF_HEIGHT), (high, 0)):
            diamonds.append({"diamond": plot.pool["id"], "x": x, "y": row - half, "y2": row + half})
    return pd.DataFrame(rows), pd.DataFrame(diamonds, columns=["diamond", "x", "y", "y2"])


def forest_chart(plot: PoolDecision) -> alt.HConcatChart:
    """The forest plot: labels with each outcome's n, estimates with CI (area = weight), diamond, text."""
    rows, diamonds = _plot_rows(plot)
    height = 22 * len(rows) + 10
    y = alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[-0.6, len(rows) - 0.4], reverse=True, nice=False, zero=False))
    base = alt.Chart(rows)
    studies = base.transform_filter(alt.datum.kind == "study")
    measure = labels.word(labels.MEASURE_NAMES, plot.pool["measure"])
    x = alt.X("estimate:Q", title=f"{measure} (%)", scale=alt.Scale(domain=[0, 100]))
    layers = [
        studies.mark_rule(color=palette.STUDY).encode(x=alt.X("ci_low:Q"), x2="ci_high:Q", y=y),
        studies.mark_square(color=palette.STUDY, opacity=1).encode(
            x=x,
            y=y,
            size=alt.Size("area:Q", scale=None, legend=None),
            tooltip=["label:N", "text:N", alt.Tooltip("weight:Q", format=".1%")],
        ),
    ]
    if not diamonds.empty:
        pooled = base.transform_filter(alt.datum.kind == "pooled")
        layers += [
            pooled.mark_rule(color=palette.POOLED, strokeDash=[4, 3]).encode(x=alt.X("pi_low:Q"), x2="pi_high:Q", y=y),
            alt.Chart(diamonds)
            .mark_area(color=palette.POOLED, opacity=1)
            .encode(x=alt.X("x:Q"), y=alt.Y("y:Q"), y2="y2:Q", detail="diamond:N"),
        ]
    plot_panel = alt.layer(*layers).properties(width=260, height=height)
    # Long labels are cut (with an ellipsis) at the panel's width; the full label is in the tooltip.
    label_panel = (
        base.mark_text(align="left", baseline="middle", limit=LABEL_WIDTH - 5)
        .encode(x=alt.value(0), y=y, text="label:N", tooltip=["label:N"])
        .properties(width=LABEL_WIDTH, height=height)
    )
    value_panel = (
        base.mark_text(align="left", baseline="middle")
        .encode(x=alt.value(0), y=y, text="text:N")
        .properties(width=190, height=height)
    )
    return (
        alt.hconcat(label_panel, plot_panel, value_panel, spacing=6)
        .properties(title=alt.Title(title(plot), subtitle=[summary(plot)], anchor="start", subtitleFontSize=10))
        .configure_view(stroke=None)
    )


def description(plot: PoolDecision) -> str:
    """The chart's text alternative: what it shows, every member with its n, and the result."""
    members = "; ".join(
        f"{r.label} ({formats.n_text(r.n)}) {formats.three_figures(r.estimate)}%" for r in plot.rows.itertuples()
    )
    return f"Forest plot of the declared pool {plot.pool['id']}, {title(plot)}: {members}. {summary(plot)}"
