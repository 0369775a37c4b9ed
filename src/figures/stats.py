"""Pooled estimates and confidence intervals, computed with maintained libraries.

- Confidence intervals of one proportion: ``statsmodels.stats.proportion.proportion_confint``.
- Random-effects pooling: DerSimonian-Laird with ``statsmodels``' ``combine_effects``; REML with
  ``pymare`` (Wald intervals, as R's metafor reports them by default).
- Proportions are pooled on the logit scale and survival rates on the log(-log) scale, then
  back-transformed; the scale on which each study's CI was reported is read from the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.proportion import proportion_confint

METHODS = ("dl", "reml")
SURVIVAL_MEASURES = frozenset({"OS", "EFS", "DFS"})


def proportion_ci(events: int, total: int, method: str = "wilson", level: float = 95) -> tuple[float, float]:
    """Confidence interval of ``events/total`` (``method``: ``wilson``, ``beta`` = Clopper-Pearson)."""
    low, high = proportion_confint(events, total, alpha=1 - level / 100, method=method)
    return float(low), float(high)


# --- scales ----------------------------------------------------------------------------------
# The transforms are one-line formulas; no maintained library offers them for this use
# (statsmodels has none for a single proportion or a survival probability).


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def expit(y: float) -> float:
    return 1 / (1 + math.exp(-y))


def cloglog(s: float) -> float:
    """log(-log S): the scale on which a Kaplan-Meier CI is usually symmetric."""
    return math.log(-math.log(s))


def inverse_cloglog(y: float) -> float:
    return math.exp(-math.exp(y))


SCALES = {"logit": (logit, expit), "log-log": (cloglog, inverse_cloglog)}


def pooling_scale(measure: str) -> str:
    """The scale a measure is pooled on: log(-log) for survival rates, logit for proportions."""
    return "log-log" if measure in SURVIVAL_MEASURES else "logit"


def logit_proportion(events: int, total: int) -> tuple[float, float]:
    """Logit of ``events/total`` and its variance; 0.5 is added only when events is 0 or total."""
    if not 0 <= events <= total or total <= 0:
        raise ValueError(f"{events}/{total} is not a proportion")
    x, n = float(events), float(total)
    if events in (0, total):
        x, n = x + 0.5, n + 1.0
    return math.log(x / (n - x)), 1 / x + 1 / (n - x)


@dataclass(frozen=True)
class Effect:
    """One study's estimate on the pooling scale: ``y`` with variance ``v``; ``basis`` says how."""

    y: float
    v: float
    basis: str


def effect_on_scale(
    *,
    estimate: float | None,
    ci_low: float | None,
    ci_high: float | None,
    ci_level: float | None,
    ci_scale: str | None,
    events: float | None,
    denominator: float | None,
    scale: str,
) -> Effect | None:
    """A study's estimate (a percentage) on ``scale`` with its variance, or None when it cannot be weighed.

    Counts give the exact binomial logit variance. Otherwise the variance comes from the reported
    CI, taken as symmetric on the pooling scale: exact when the CI was reported on that scale, an
    approximation (said in ``basis``) when its scale was another or not reported.
    """
    forward, _ = SCALES[scale]
    if scale == "logit" and events is not None and denominator:
        y, v = logit_proportion(int(events), int(denominator))
        return Effect(y, v, "counts")
    if estimate is None or ci_low is None or ci_high is None:
        return None
    p, low, high = estimate / 100, ci_low / 100, ci_high / 100
    if not 0 < low <= p <= high < 1:
        return None
    z = scipy_stats.norm.ppf(1 - (1 - (ci_level or 95) / 100) / 2)
    se = abs(forward(high) - forward(low)) / (2 * z)
    if se == 0:
        return None
    basis = "CI" if ci_scale == scale else f"CI (reported scale: {ci_scale or 'not-reported'}; taken as symmetric on the {scale} scale)"
    return Effect(forward(p), se**2, basis)


# --- pooling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pooled:
    """A random-effects pooled estimate on the pooling scale, with heterogeneity statistics."""

    method: str
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float | None
    pi_high: float | None
    weights: tuple[float, ...]

    def back_transformed(self, scale: str) -> dict:
        """Estimate, CI and prediction interval on the original scale (fractions), in order."""
        _, inverse = SCALES[scale]
        values = {"estimate": inverse(self.estimate)}
        for name, (a, b) in {"ci": (self.ci_low, self.ci_high), "pi": (self.pi_low, self.pi_high)}.items():
            if a is None:
                values[f"{name}_low"] = values[f"{name}_high"] = None
            else:
                values[f"{name}_low"], values[f"{name}_high"] = sorted((inverse(a), inverse(b)))
        return values


def _prediction_interval(mu: float, se: float, tau2: float, k: int, level: float) -> tuple[float | None, float | None]:
    # Higgins, Thompson & Spiegelhalter (2009): mu +/- t(k-2) sqrt(tau2 + se^2). Neither statsmodels
    # nor pymare computes it; it needs at least three studies.
    if k < 3:
        return None, None
    half = scipy_stats.t.ppf(1 - (1 - level / 100) / 2, k - 2) * math.sqrt(tau2 + se**2)
    return mu - half, mu + half


def pool(y, v, method: str = "reml", level: float = 95) -> Pooled:
    """Random-effects pooled estimate of effects ``y`` with variances ``v``.

    ``dl``: DerSimonian-Laird (statsmodels); a negative moment estimate of tau^2 is truncated at
    zero, which makes the random-effects estimate the fixed-effect one. ``reml``: restricted
    maximum likelihood (pymare, Wald intervals). Q and I^2 come from statsmodels in both cases.
    """
    if method not in METHODS:
        raise ValueError(f"unknown pooling method {method!r}; use one of {METHODS}")
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    k = len(y)
    if k < 2:
        raise ValueError("pooling needs at least two studies")
    alpha = 1 - level / 100
    z = scipy_stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):  # a negative DL tau^2 is handled below
        moments = combine_effects(y, v, method_re="dl", alpha=alpha)
    q, q_df = float(moments.q), k - 1
    # I^2 = (Q - df) / Q only when Q exceeds its degrees of freedom; otherwise it is 0. statsmodels'
    # ratio explodes when Q rounds to a tiny (even negative) number for identical estimates.
    i2 = min(1.0, max(0.0, float(moments.i2))) if q > q_df else 0.0
    if method == "dl":
        tau2 = max(0.0, float(moments.tau2))
        if moments.tau2 > 0:
            mu, se = float(moments.mean_effect_re), float(moments.sd_eff_w_re)
        else:
            mu, se = float(moments.mean_effect_fe), float(moments.sd_eff_w_fe)
    else:
        # Imported here: pymare (with sympy) takes about a second to import, and only REML needs it.
        from pymare import Dataset
        from pymare.estimators import VarianceBasedLikelihoodEstimator

        fit = VarianceBasedLikelihoodEstimator(method="REML", small_sample_correction="wald").fit_dataset(Dataset(y=y, v=v))
        summary = fit.summary()
        tau2 = max(0.0, float(np.ravel(summary.tau2)[0]))
        fe = summary.get_fe_stats(alpha=alpha)
        mu, se = float(np.ravel(fe["est"])[0]), float(np.ravel(fe["se"])[0])
    weights = 1 / (v + tau2)
    pi_low, pi_high = _prediction_interval(mu, se, tau2, k, level)
    return Pooled(
        method=method,
        k=k,
        estimate=mu,
        se=se,
        ci_low=mu - z * se,
        ci_high=mu + z * se,
        tau2=tau2,
        i2=i2,
        q=q,
        q_df=q_df,
        q_p=float(scipy_stats.chi2.sf(q, q_df)),
        pi_low=pi_low,
        pi_high=pi_high,
        weights=tuple(float(w) for w in weights / weights.sum()),
    )


def heterogeneity_text(pooled: Pooled) -> str:
    """``I² = 92.1%, τ² = 0.309, Q = 152.23 (df = 12), p < 0.001``."""
    p = "p < 0.001" if pooled.q_p < 0.001 else f"p = {pooled.q_p:.3f}"
    return f"I\u00b2 = {100 * pooled.i2:.1f}%, \u03c4\u00b2 = {pooled.tau2:.3f}, Q = {pooled.q:.2f} (df = {pooled.q_df}), {p}"
