"""Golden numbers: the pooling and interval code reproduces published results to 3 decimals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
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


def test_bcg_dersimonian_laird_matches_metafor():
    y, v = bcg_log_risk_ratios()
    pooled = stats.pool(y, v, method="dl")
    assert pooled.k == 13
    assert pooled.estimate == pytest.approx(-0.7141, abs=5e-4)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((-1.0644, -0.3638), abs=5e-4)
    assert pooled.tau2 == pytest.approx(0.3088, abs=5e-4)
    assert 100 * pooled.i2 == pytest.approx(92.12, abs=5e-3)
    assert pooled.q_df == 12 and pooled.q_p < 0.001
    assert sum(pooled.weights) == pytest.approx(1)


def test_bcg_reml_matches_metafor():
    y, v = bcg_log_risk_ratios()
    pooled = stats.pool(y, v, method="reml")
    assert math.exp(pooled.estimate) == pytest.approx(0.4894, abs=5e-4)
    assert (math.exp(pooled.ci_low), math.exp(pooled.ci_high)) == pytest.approx((0.3441, 0.6962), abs=5e-4)
    assert pooled.tau2 == pytest.approx(0.3132, abs=5e-4)
    # Prediction interval (Higgins et al. 2009, t with k-2 df) from metafor's published REML
    # estimate -0.7145, SE 0.1798 and tau^2 0.3132.
    half = scipy_stats.t.ppf(0.975, 11) * math.sqrt(0.3132 + 0.1798**2)
    assert (pooled.pi_low, pooled.pi_high) == pytest.approx((-0.7145 - half, -0.7145 + half), abs=1e-3)


def test_homogeneous_studies_give_tau2_zero_not_negative():
    # Identical logits: the DL moment estimate is negative; tau^2 must be truncated at zero and the
    # random-effects estimate equal the fixed-effect (inverse-variance) mean.
    y = np.array([0.10, 0.11, 0.09, 0.10])
    v = np.array([0.04, 0.05, 0.06, 0.05])
    for method in stats.METHODS:
        pooled = stats.pool(y, v, method=method)
        assert pooled.tau2 == 0
        assert pooled.i2 == 0
        assert pooled.estimate == pytest.approx(np.average(y, weights=1 / v), abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-3, 3), st.floats(0.01, 2)),
        min_size=2,
        max_size=12,
    ),
    st.sampled_from(stats.METHODS),
)
# Found by hypothesis: equal estimates make Q round to ~1e-14 and statsmodels' I^2 ratio explode.
@example(studies=[(1.9089692594620953, 0.5), (1.9089692594620953, 0.03125)], method="dl")
def test_tau2_and_i2_are_never_negative(studies, method):
    y, v = map(np.array, zip(*studies))
    pooled = stats.pool(y, v, method=method)
    assert pooled.tau2 >= 0
    assert 0 <= pooled.i2 <= 1
    assert pooled.ci_low <= pooled.estimate <= pooled.ci_high


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
        estimate=76, ci_low=100 * low, ci_high=100 * high, ci_level=95, ci_scale="log-log",
        events=None, denominator=None, scale="log-log",
    )
    assert effect.basis == "CI"
    assert effect.y == pytest.approx(y)
    assert effect.v == pytest.approx(0.04)


def test_effect_without_ci_or_counts_cannot_be_weighed():
    assert stats.effect_on_scale(
        estimate=50, ci_low=None, ci_high=None, ci_level=None, ci_scale=None,
        events=None, denominator=None, scale="log-log",
    ) is None


def test_back_transformed_survival_keeps_bounds_in_order():
    pooled = stats.pool([stats.cloglog(0.7), stats.cloglog(0.8), stats.cloglog(0.6)], [0.05, 0.04, 0.06])
    values = pooled.back_transformed("log-log")
    assert values["ci_low"] < values["estimate"] < values["ci_high"]
    assert values["pi_low"] <= values["ci_low"] and values["pi_high"] >= values["ci_high"]
