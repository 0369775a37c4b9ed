"""The pooling and interval code against published results and an independent computation from the formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as scipy_stats

from figures import stats

# R metafor's dat.bcg (Colditz et al. 1994): BCG vaccine trials, tuberculosis cases / non-cases in
# the vaccinated (tpos, tneg) and control (cpos, cneg) arms.
BCG = [
    # trial, tpos, tneg, cpos, cneg
    ("Aronson 1948", 4, 119, 11, 128),
    ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal et al 1960", 3, 228, 11, 209),
    ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller et al 1973", 33, 5036, 47, 5761),
    ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere et al 1973", 8, 2537, 10, 619),
    ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232),
    ("Rosenthal et al 1961", 17, 1699, 65, 1600),
    ("Comstock et al 1974", 186, 50448, 141, 27197),
    ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock et al 1976", 27, 16886, 29, 17825),
]


def bcg_log_risk_ratios():
    t = np.array([row[1:] for row in BCG], dtype=float)
    tpos, tneg, cpos, cneg = t.T
    y = np.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg)))
    v = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return y, v


def test_clopper_pearson_and_wilson_for_10_of_21():
    assert stats.proportion_ci(10, 21, method="beta") == pytest.approx((0.2571, 0.7022), abs=5e-4)
    assert stats.proportion_ci(10, 21, method="wilson") == pytest.approx((0.2834, 0.6763), abs=5e-4)


def independent_random_effects(y, v, level=95):
    """Paule-Mandel, HKSJ and the prediction interval from their formulas (numpy/scipy only).

    tau^2 solves sum(w (y - mu_w)^2) = k - 1 with w = 1/(v + tau^2) (0 when the left side is
    already below k - 1 at tau^2 = 0); the HKSJ variance is sum(w (y - mu)^2) / ((k - 1) sum(w))
    with t on k - 1 df; the prediction interval is mu +/- t(k - 2) sqrt(tau^2 + 1/sum(w)).
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    k = len(y)

    def generalised_q(tau2):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return np.sum(w * (y - mu) ** 2)

    tau2 = (
        0.0 if generalised_q(0) <= k - 1 else optimize.brentq(lambda t: generalised_q(t) - (k - 1), 0, 100, xtol=1e-14)
    )
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    var_hksj = np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w))
    t_ci = scipy_stats.t.ppf(1 - (1 - level / 100) / 2, k - 1)
    t_pi = scipy_stats.t.ppf(1 - (1 - level / 100) / 2, k - 2)
    half_pi = t_pi * math.sqrt(tau2 + 1 / np.sum(w))
    return {
        "tau2": tau2,
        "mu": mu,
        "ci": (mu - t_ci * math.sqrt(var_hksj), mu + t_ci * math.sqrt(var_hksj)),
        "pi": (mu - half_pi, mu + half_pi),
        "weights": w / w.sum(),
    }


def _assert_matches_independent(pooled, y, v):
    expected = independent_random_effects(y, v)
    assert pooled.tau2 == pytest.approx(expected["tau2"], abs=1e-6)
    assert pooled.estimate == pytest.approx(expected["mu"], abs=1e-6)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx(expected["ci"], abs=1e-6)
    assert (pooled.pi_low, pooled.pi_high) == pytest.approx(expected["pi"], abs=1e-6)
    assert pooled.weights == pytest.approx(tuple(expected["weights"]), abs=1e-6)


def test_bcg_pooling_matches_the_formulas_and_metafor_heterogeneity():
    y, v = bcg_log_risk_ratios()
    pooled = stats.pool(y, v)
    assert pooled.k == 13 and pooled.tau2 > 0
    _assert_matches_independent(pooled, y, v)
    # Q and I^2 do not depend on tau^2: metafor reports Q = 152.23 (df = 12), I^2 = 92.12% (DL).
    assert pooled.q == pytest.approx(152.2330, abs=5e-4)
    assert pooled.q_df == 12 and pooled.q_p < 0.001
    assert sum(pooled.weights) == pytest.approx(1)


def test_hksj_interval_is_wider_than_wald_when_studies_disagree_and_uses_t_with_k_minus_1_df():
    y = np.array([-1.2, 0.1, 0.9])
    v = np.array([0.04, 0.05, 0.03])
    pooled = stats.pool(y, v)
    _assert_matches_independent(pooled, y, v)
    # With Paule-Mandel tau^2 > 0 the HKSJ scale is exactly 1, so the interval differs from the
    # Wald one only by the t(2) quantile (4.30 instead of 1.96).
    half = (pooled.ci_high - pooled.ci_low) / 2
    assert pooled.se_hksj == pytest.approx(pooled.se, rel=1e-6)
    assert half == pytest.approx(scipy_stats.t.ppf(0.975, 2) * pooled.se, rel=1e-6)


def test_homogeneous_studies_give_tau2_zero_and_an_unclipped_hksj_interval():
    # Nearly identical logits: Q < k - 1, so tau^2 = 0 and the HKSJ variance shrinks below 1/sum(w)
    # (metafor's knha without the ad hoc correction).
    y = np.array([0.10, 0.11, 0.09, 0.10])
    v = np.array([0.04, 0.05, 0.06, 0.05])
    pooled = stats.pool(y, v)
    assert pooled.tau2 == 0 and pooled.i2 == 0
    assert pooled.estimate == pytest.approx(np.average(y, weights=1 / v), abs=1e-9)
    assert pooled.se_hksj < pooled.se
    _assert_matches_independent(pooled, y, v)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_fewer_than_three_studies_are_never_pooled(k):
    with pytest.raises(ValueError, match="at least 3"):
        stats.pool([0.1, 0.2][:k], [0.05, 0.05][:k])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(0.01, 2)), min_size=3, max_size=12))
# Equal estimates make Q round to ~1e-14 and statsmodels' I^2 ratio explode.
@example(studies=[(1.9089692594620953, 0.5), (1.9089692594620953, 0.03125), (1.9089692594620953, 0.25)])
# statsmodels' Paule-Mandel returned tau^2 = 0 here with a tight tolerance (true tau^2 = 1.19).
@example(studies=[(0.0, 1.0), (0.0, 0.0625), (2.0, 0.015625)])
def test_random_effects_match_the_formulas_on_any_data(studies):
    y, v = map(np.array, zip(*studies))
    pooled = stats.pool(y, v)
    assert pooled.tau2 >= 0
    assert 0 <= pooled.i2 <= 1
    assert pooled.ci_low <= pooled.estimate <= pooled.ci_high
    assert pooled.pi_low <= pooled.ci_low + 1e-9 or pooled.tau2 == 0
    expected = independent_random_effects(y, v)
    # statsmodels stops when Q is within 1e-6 of k - 1 (see stats.PM_TOLERANCE).
    assert pooled.tau2 == pytest.approx(expected["tau2"], abs=1e-4)
    assert pooled.estimate == pytest.approx(expected["mu"], abs=1e-4)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx(expected["ci"], abs=1e-4)
    assert (pooled.pi_low, pooled.pi_high) == pytest.approx(expected["pi"], abs=1e-4)


def test_logit_of_a_proportion_adds_half_only_at_the_edges():
    assert stats.logit_proportion(10, 21) == pytest.approx((math.log(10 / 11), 1 / 10 + 1 / 11))
    assert stats.logit_proportion(0, 20) == pytest.approx((math.log(0.5 / 20.5), 1 / 0.5 + 1 / 20.5))
    assert stats.logit_proportion(20, 20) == pytest.approx((math.log(20.5 / 0.5), 1 / 20.5 + 1 / 0.5))
    with pytest.raises(ValueError):
        stats.logit_proportion(22, 21)


def test_survival_ci_reported_on_log_log_scale_is_recovered_exactly():
    # A Kaplan-Meier estimate of 76% with SE 0.2 on the log(-log) scale: its 95% CI, rebuilt from
    # the variance the module derives, must give back the reported bounds.
    y = stats.cloglog(0.76)
    half = 1.959963984540054 * 0.2
    low, high = sorted(stats.inverse_cloglog(y + d) for d in (-half, half))
    effect = stats.effect_on_scale(
        estimate=76,
        ci_low=100 * low,
        ci_high=100 * high,
        ci_level=95,
        ci_scale="log-log",
        events=None,
        denominator=None,
        scale="log-log",
    )
    assert effect.basis == "CI"
    assert effect.y == pytest.approx(y)
    assert effect.v == pytest.approx(0.04)


def test_effect_without_ci_or_counts_cannot_be_weighed():
    assert (
        stats.effect_on_scale(
            estimate=50,
            ci_low=None,
            ci_high=None,
            ci_level=None,
            ci_scale=None,
            events=None,
            denominator=None,
            scale="log-log",
        )
        is None
    )


def test_back_transformed_survival_keeps_bounds_in_order():
    pooled = stats.pool([stats.cloglog(0.7), stats.cloglog(0.8), stats.cloglog(0.6)], [0.05, 0.04, 0.06])
    values = pooled.back_transformed("log-log")
    assert values["ci_low"] < values["estimate"] < values["ci_high"]
    assert values["pi_low"] <= values["ci_low"] and values["pi_high"] >= values["ci_high"]
