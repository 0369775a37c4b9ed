"""Pooled estimates and confidence intervals, computed with maintained libraries.

- Confidence intervals of one proportion: ``statsmodels.stats.proportion.proportion_confint``.
- Random-effects pooling (declared pools of three or more studies only): Paule-Mandel tau^2 with
  ``statsmodels``' ``combine_effects``, the Hartung-Knapp-Sidik-Jonkman interval and a prediction
  interval.
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


def pooling_scale(kind: str) -> str:
    """The scale an outcome kind is pooled on: log(-log) for survival estimates, logit for
    proportions and prevalences."""
    return "log-log" if kind == "survival" else "logit"


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
    basis = (
        "CI"
        if ci_scale == scale
        else f"CI (reported scale: {ci_scale or 'not-reported'}; taken as symmetric on the {scale} scale)"
    )
    return Effect(forward(p), se**2, basis)


# --- pooling ---------------------------------------------------------------------------------

MIN_STUDIES = 3
# statsmodels iterates Paule-Mandel (Newton steps from tau^2 = 0) until |Q(tau^2) - (k-1)| < atol,
# but returns tau^2 = 0 as soon as that difference turns negative, and near the root rounding alone
# makes it negative: with atol 1e-9 or 1e-12 it returned 0 for data whose tau^2 is 1.19 (found by
# hypothesis). Newton converges quadratically, so with 1e-6 the iteration stops one step before
# rounding matters; tau^2 is then exact to about 1e-6 / |Q'(tau^2)|. ``_check_paule_mandel`` refuses
# any result that does not solve the equation.
PM_TOLERANCE = 1e-6


def _generalised_q(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def _check_paule_mandel(y: np.ndarray, v: np.ndarray, tau2: float) -> None:
    """tau^2 must solve Q(tau^2) = k-1, or be 0 because Q(0) <= k-1: refuse anything else."""
    k = len(y)
    solved = (
        abs(_generalised_q(y, v, tau2) - (k - 1)) < 10 * PM_TOLERANCE
        if tau2 > 0
        else _generalised_q(y, v, 0.0) <= k - 1 + 1e-6
    )
    if not solved:
        raise ArithmeticError(f"the Paule-Mandel iteration did not converge (tau^2 = {tau2})")


@dataclass(frozen=True)
class Pooled:
    """A random-effects pooled estimate on the pooling scale, with heterogeneity statistics.

    ``ci_*`` is the Hartung-Knapp-Sidik-Jonkman interval (t with k-1 df); ``pi_*`` the prediction
    interval (t with k-2 df).
    """

    k: int
    estimate: float
    se: float
    se_hksj: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    weights: tuple[float, ...]

    def back_transformed(self, scale: str) -> dict:
        """Estimate, CI and prediction interval on the original scale (fractions), in order."""
        _, inverse = SCALES[scale]
        values = {"estimate": inverse(self.estimate)}
        for name, (a, b) in {"ci": (self.ci_low, self.ci_high), "pi": (self.pi_low, self.pi_high)}.items():
            values[f"{name}_low"], values[f"{name}_high"] = sorted((inverse(a), inverse(b)))
        return values


def pool(y, v, level: float = 95) -> Pooled:
    """Random-effects pooled estimate of effects ``y`` with within-study variances ``v``.

    statsmodels' ``combine_effects(method_re="pm")`` gives the Paule-Mandel tau^2 (iterated until
    the generalised Q equals k-1, or 0 when Q at tau^2 = 0 is already below k-1), the
    inverse-variance random-effects mean and the HKSJ variance
    sum(w (y - mu)^2) / ((k - 1) sum(w)), which with a t quantile on k-1 df is metafor's
    ``test="knha"`` interval (not truncated). The prediction interval is Higgins, Thompson and
    Spiegelhalter's (2009): mu +/- t(k-2) sqrt(tau^2 + se^2), se the random-effects standard error.
    Fewer than ``MIN_STUDIES`` studies are refused.
    """
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    k = len(y)
    if k < MIN_STUDIES:
        raise ValueError(f"pooling needs at least {MIN_STUDIES} studies, got {k}")
    alpha = 1 - level / 100
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels' I^2 divides by Q, which may be 0
        fit = combine_effects(y, v, method_re="pm", use_t=True, alpha=alpha, atol=PM_TOLERANCE, maxiter=200)
    tau2 = max(0.0, float(fit.tau2))
    _check_paule_mandel(y, v, tau2)
    mu, se, se_hksj = float(fit.mean_effect_re), float(fit.sd_eff_w_re), float(fit.sd_eff_w_re_hksj)
    _, _, _, (ci_low, ci_high) = fit.conf_int(alpha=alpha, use_t=True)
    q, q_df = float(fit.q), k - 1
    # I^2 = (Q - df) / Q only when Q exceeds its degrees of freedom; otherwise it is 0. statsmodels'
    # ratio explodes when Q rounds to a tiny (even negative) number for identical estimates.
    i2 = min(1.0, max(0.0, float(fit.i2))) if q > q_df else 0.0
    half = scipy_stats.t.ppf(1 - alpha / 2, k - 2) * math.sqrt(tau2 + se**2)
    weights = 1 / (v + tau2)
    return Pooled(
        k=k,
        estimate=mu,
        se=se,
        se_hksj=se_hksj,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        tau2=tau2,
        i2=i2,
        q=q,
        q_df=q_df,
        q_p=float(scipy_stats.chi2.sf(q, q_df)),
        pi_low=mu - half,
        pi_high=mu + half,
        weights=tuple(float(w) for w in weights / weights.sum()),
    )


def heterogeneity_text(pooled: Pooled) -> str:
    """``I² = 92.1%, τ² = 0.309, Q = 152.23 (df = 12), p < 0.001``."""
    p = "p < 0.001" if pooled.q_p < 0.001 else f"p = {pooled.q_p:.3f}"
    return (
        f"I\u00b2 = {100 * pooled.i2:.1f}%, \u03c4\u00b2 = {pooled.tau2:.3f}, "
        f"Q = {pooled.q:.2f} (df = {pooled.q_df}), {p}"
    )
