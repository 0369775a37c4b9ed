"""The synthesis on the fixture dataset: pooling checked independently, reasons, map, PRISMA, built specs."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as scipy_stats

from figures import dataset, evidence_map, explorer, forest, paths, prisma
from synthesis_site import FIXTURE_PREFIX, built_fixture_site, fixture_data_dir


@pytest.fixture
def fixture_data(monkeypatch, tmp_path_factory):
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(fixture_data_dir(tmp_path_factory)))


def _fixture_outcomes():
    outcomes = dataset.outcomes()
    return outcomes[outcomes["citation"].str.startswith(FIXTURE_PREFIX)]


def _plot(plots, tumour, measure):
    return next(p for p in plots if (p.tumour, p.measure) == (tumour, measure))


def _independent_reml(y: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """REML by direct maximisation of the restricted likelihood (scipy), not through pymare."""

    def negative_restricted_loglik(tau2):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    tau2 = optimize.minimize_scalar(negative_restricted_loglik, bounds=(0, 10), method="bounded", options={"xatol": 1e-10}).x
    w = 1 / (v + tau2)
    return float(np.sum(w * y) / np.sum(w)), float(math.sqrt(1 / np.sum(w))), float(tau2)


def test_pooled_wilms_survival_matches_an_independent_computation(fixture_data):
    plot = _plot(forest.forest_plots(_fixture_outcomes()), "wt", "OS")
    (pooled_set,) = plot.pooled_sets
    assert pooled_set.pooled.k == 3 and pooled_set.scale == "log-log"
    # The three fixture studies: 72% (58-82), 64% (44-79), 80% (68-88), CIs on the log(-log) scale.
    reported = [(72, 58, 82), (64, 44, 79), (80, 68, 88)]
    g = lambda pct: math.log(-math.log(pct / 100))  # noqa: E731 (the transform, written out again)
    y = np.array([g(e) for e, _, _ in reported])
    v = np.array([((g(lo) - g(hi)) / (2 * scipy_stats.norm.ppf(0.975))) ** 2 for _, lo, hi in reported])
    mu, se, tau2 = _independent_reml(y, v)
    assert pooled_set.pooled.tau2 == pytest.approx(tau2, abs=1e-3)
    assert pooled_set.pooled.estimate == pytest.approx(mu, abs=1e-3)
    back = pooled_set.pooled.back_transformed("log-log")
    assert back["estimate"] == pytest.approx(math.exp(-math.exp(mu)), abs=1e-3)
    assert back["ci_low"] == pytest.approx(math.exp(-math.exp(mu + 1.959964 * se)), abs=1e-3)
    # Inverse-variance weights with tau2, as the marker areas show them.
    w = 1 / (v + tau2)
    assert pooled_set.rows["weight"].tolist() == pytest.approx((w / w.sum()).tolist(), abs=1e-3)


def test_sets_that_cannot_be_pooled_say_why(fixture_data):
    plots = forest.forest_plots(_fixture_outcomes())
    efs = _plot(plots, "nb", "EFS")
    assert not efs.pooled_sets
    assert {s.age for s in efs.sets} == {"pediatric", "adult"}
    assert all("adult series are never pooled with pediatric ones" in s.reason for s in efs.sets)
    liver = _plot(plots, "wt", "liver-metastases")
    assert liver.sets[0].reason == "only one study reports it"
    # Months are not percentages: the median survival of the GIST fixture gets no forest plot.
    assert not any(p.measure == "median-survival" for p in plots)


def test_unreported_time_points_and_missing_cis_are_not_pooled():
    base = {"citation": "a", "label": "A", "tumour": "wt", "age_group": "pediatric", "measure": "OS", "unit": "percent",
            "estimate": 70, "ci_low": 60, "ci_high": 80, "ci_level": 95, "ci_scale": "log-log", "events": None,
            "denominator": None, "n_patients": 10, "group": "all", "timepoint_months": None}
    rows = pd.DataFrame([base, {**base, "citation": "b", "label": "B"}])
    (plot,) = forest.forest_plots(rows)
    assert "time point is not reported" in plot.sets[0].reason
    rows["timepoint_months"] = 36
    rows.loc[1, ["ci_low", "ci_high"]] = None
    (plot,) = forest.forest_plots(rows)
    assert "CI or counts" in plot.sets[0].reason


def test_evidence_map_counts_studies_and_patients_by_age(fixture_data):
    cells = evidence_map.evidence_map([s for s in dataset.studies() if s["citation"].startswith(FIXTURE_PREFIX)]).set_index(["tumour", "intervention", "age"])
    assert cells.loc[("wt", "chemotherapy", "pediatric"), ["studies", "patients"]].tolist() == [2, 100]
    assert cells.loc[("wt", "resection", "pediatric"), ["studies", "patients"]].tolist() == [2, 65]
    assert cells.loc[("nb", "resection", "adult"), ["studies", "patients"]].tolist() == [1, 30]
    assert ("nb", "resection", "pediatric") not in cells.index


def test_prisma_flow_counts_the_previous_edition_and_the_new_round(fixture_data):
    rounds = dataset.screening()
    f = prisma.flow(rounds, studies_on_file=len(dataset.studies()))
    assert (f.previous_studies, f.latest["studies_included"]) == (4, 2)
    assert f.studies_on_file == len(dataset.studies())
    text = prisma.description(rounds, 6)
    assert "previous edition (1 earlier round(s)): n = 4" in text
    assert "MEDLINE: n = 10" in text and "not searched" not in text
    first = prisma.description(rounds[:1], 6)
    assert "No previous edition" in first and "Databases: not searched" in first
    unknown = prisma.description([{**rounds[0], "records_screened": None}], 6)
    assert "Records screened: n = not known" in unknown


def test_counts_become_percentages_with_exact_intervals():
    row = {"citation": "a", "label": "A", "tumour": "nb", "age_group": "pediatric", "measure": "response",
           "unit": "count", "estimate": 10, "events": 10, "denominator": 21, "ci_low": None, "ci_high": None,
           "ci_level": None, "ci_scale": None, "n_patients": 21, "group": "all", "timepoint_months": None}
    (converted,) = forest.as_percentages(pd.DataFrame([row])).to_dict("records")
    assert converted["estimate"] == pytest.approx(100 * 10 / 21)
    # Clopper-Pearson for 10/21 (published: 0.2571-0.7022).
    assert (converted["ci_low"], converted["ci_high"]) == pytest.approx((25.71, 70.22), abs=0.01)
    assert converted["ci_source"] == "exact from counts"


def test_explorer_html_escapes_contributor_text():
    hostile = '<script>alert("x")</script> & "q"'
    rows = pd.DataFrame([{
        "citation": "x", "label": hostile, "tumour": "wt", "age_group": "pediatric", "interventions": ["resection", hostile],
        "measure": "OS", "timepoint_months": 60, "group": hostile, "estimate": 50, "unit": "percent",
        "ci_low": None, "ci_high": None, "ci_level": None, "n_patients": 5, "outcome_id": "o",
    }])
    bundle = explorer.show_explorer(rows, caption=hostile)._repr_mimebundle_()
    assert "<script>" not in bundle["text/html"]
    assert "&lt;script&gt;" in bundle["text/html"]
    assert "<script>" not in bundle["text/markdown"]


def _chart_specs(page: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/json" id="chart-[0-9a-f]+-spec">(.*?)</script>', page, re.S)
    return [json.loads(b) for b in blocks]


def _rows_of(spec: dict, field: str) -> list[dict]:
    return [row for data in spec.get("datasets", {}).values() for row in data if field in row]


def test_built_forest_plots_have_one_mark_per_study_and_a_diamond(tmp_path_factory):
    root = built_fixture_site(tmp_path_factory)
    page = (root / "_build" / "html" / "book" / "synthesis.html").read_text(encoding="utf-8")
    specs = {s["title"]["text"]: s for s in _chart_specs(page) if isinstance(s.get("title"), dict)}
    wilms = specs["Wilms tumor: overall survival"]
    studies = [r for r in _rows_of(wilms, "kind") if r["kind"] == "study" and r["set"] == "5-year, pediatric series"]
    assert sorted(r["label"].split(",")[0] for r in studies) == ["Fixture A 2001 (n = 40)", "Fixture B 2003 (n = 25)", "Fixture C 2005 (n = 60)"]
    assert sum(r["area"] for r in studies) == pytest.approx(forest.MAX_MARKER_AREA)
    pooled_rows = [r for r in _rows_of(wilms, "kind") if r["kind"] == "pooled"]
    assert [r["set"] for r in pooled_rows] == ["5-year, pediatric series"]
    diamonds = {r["diamond"] for r in _rows_of(wilms, "diamond")}
    assert len(diamonds) == 1
    assert "I\u00b2" in " ".join(wilms["title"]["subtitle"])
    neuroblastoma = specs["neuroblastoma: event-free survival"]
    assert not _rows_of(neuroblastoma, "diamond")
    assert all("not pooled" in line for line in neuroblastoma["title"]["subtitle"])
    # The PRISMA diagram and the pooling table are on the page too.
    assert any("PRISMA 2020" in s for s in re.findall(r'aria-label="([^"]*)"', page))
    assert "Not pooled because" in page
