"""The synthesis on the fixture dataset: declared pools checked independently, contrasts, map, PRISMA, built specs."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from scipy import stats as scipy_stats

from chart_specs import datasets, page_specs, panels, stacked
from explorer_rows import explorer_row
from figures import contrasts, dataset, evidence_map, explorer, forest, formats, paths, pooling, prisma
from synthesis_site import FIXTURE_DATA, FIXTURE_PREFIX, built_fixture_site, fixture_data_dir
from test_stats import independent_random_effects


@pytest.fixture
def fixture_data(monkeypatch, tmp_path_factory):
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(fixture_data_dir(tmp_path_factory)))


def _pool(pool_id: str) -> dict:
    return next(p for p in dataset.pools() if p["id"] == pool_id)


def test_declared_pool_matches_an_independent_computation(fixture_data):
    plot = pooling.decide(_pool("fixture-wt-os-5y"), dataset.outcomes())
    assert plot.reason is None and plot.pooled.k == 3 and plot.scale == "log-log"
    # The three fixture studies: 72% (58-82), 64% (44-79), 80% (68-88), CIs on the log(-log) scale.
    reported = [(72, 58, 82), (64, 44, 79), (80, 68, 88)]
    g = lambda pct: math.log(-math.log(pct / 100))  # noqa: E731 (the transform, written out again)
    back = lambda y: 100 * math.exp(-math.exp(y))  # noqa: E731
    y = np.array([g(e) for e, _, _ in reported])
    v = np.array([((g(lo) - g(hi)) / (2 * scipy_stats.norm.ppf(0.975))) ** 2 for _, lo, hi in reported])
    expected = independent_random_effects(y, v)
    shown = plot.pooled.back_transformed("log-log")
    # log(-log) reverses the order: the upper bound on the transformed scale is the lower percentage.
    assert 100 * shown["estimate"] == pytest.approx(back(expected["mu"]), abs=1e-4)
    assert (100 * shown["ci_low"], 100 * shown["ci_high"]) == pytest.approx(
        (back(expected["ci"][1]), back(expected["ci"][0])), abs=1e-4
    )
    assert (100 * shown["pi_low"], 100 * shown["pi_high"]) == pytest.approx(
        (back(expected["pi"][1]), back(expected["pi"][0])), abs=1e-4
    )
    assert plot.rows["weight"].tolist() == pytest.approx(list(expected["weights"]), abs=1e-6)


def _rows(**changes) -> pd.DataFrame:
    base = {
        "citation": "a",
        "outcome_id": "os",
        "label": "A",
        "tumour": "wt",
        "age_group": "pediatric",
        "measure": "OS",
        "kind": "survival",
        "unit": "percent",
        "estimate": 70,
        "ci_low": 60,
        "ci_high": 80,
        "ci_level": 95,
        "ci_scale": "log-log",
        "events": None,
        "denominator": None,
        "n": 10,
        "group": "all",
        "timepoint_months": 60,
        "comparison": None,
    }
    frame = pd.DataFrame(
        [{**base, "citation": c, "label": c.upper(), "estimate": e} for c, e in (("a", 70), ("b", 65), ("c", 75))]
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def _declared(rows: pd.DataFrame, count: int | None = None) -> dict:
    members = [{"citation": c, "outcome": o} for c, o in zip(rows["citation"], rows["outcome_id"])][:count]
    return {"id": "p", "measure": "OS", "timepoint_months": 60, "members": members}


def test_two_studies_are_never_pooled():
    rows = _rows()
    plot = pooling.decide(_declared(rows, 2), rows)
    assert plot.pooled is None and "at least 3 studies" in plot.reason
    assert len(plot.rows) == 2
    # The same rows with the third member pool: the refusal is the member count, nothing else.
    assert pooling.decide(_declared(rows), rows).pooled.k == 3


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"kind": ["survival", "case", "survival"]}, "not a whole-group"),
        ({"kind": ["survival", "count", "survival"]}, "not a whole-group"),
        ({"comparison": [None, "primary-resection", None]}, "not a whole-group"),
        ({"citation": ["a", "a", "c"], "outcome_id": ["os", "os2", "os"]}, "same study"),
        ({"ci_low": [60, None, 70], "ci_high": [80, None, 80]}, "CI or counts"),
    ],
)
def test_pools_whose_members_are_not_independent_estimates_are_not_pooled(changes, reason):
    rows = _rows(**changes)
    plot = pooling.decide(_declared(rows), rows)
    assert plot.pooled is None and reason in plot.reason


def test_only_declared_pools_get_a_forest_plot(fixture_data):
    # The fixture holds comparable Wilms tumor OS rows; without a declaration nothing is drawn.
    assert pooling.decide_all([], dataset.outcomes()) == []
    declared = pooling.decide_all(dataset.pools(), dataset.outcomes())
    assert [p.pool["id"] for p in declared] == [p["id"] for p in dataset.pools()]


def test_forest_labels_show_each_outcome_own_n(fixture_data):
    plot = pooling.decide(_pool("fixture-wt-os-5y"), dataset.outcomes())
    rows, _ = forest._plot_rows(plot)
    own = {r.label: formats.n_text(r.n) for r in plot.rows.itertuples()}
    labels_shown = rows.loc[rows["kind"] == "study", "label"].tolist()
    assert labels_shown == [f"{study} ({n})" for study, n in own.items()]


def test_contrasts_are_one_panel_per_study_and_comparison_with_each_arm_n():
    rows = _rows(
        comparison=["cmp", "cmp", None],
        citation=["a", "a", "b"],
        outcome_id=["x", "y", "z"],
        group=["with resection", "without resection", "all"],
        n=[22, 74, 40],
    )
    rows["comparison_description"] = "with versus without resection"
    rows["p_value"], rows["p_relation"] = 0.09, "="
    frame = contrasts.contrast_frame(rows)
    assert frame["panel"].unique().tolist() == ["a/cmp"]
    assert frame["arm"].tolist() == ["with resection (n = 22)", "without resection (n = 74)"]
    assert "p = 0.09" in frame["title"].iloc[0]
    assert len(contrasts.contrasts_chart(frame).to_dict()["vconcat"]) == 1
    # Single cases and counts of selected cases never become contrast arms.
    rows["kind"] = ["case", "count", "survival"]
    assert contrasts.contrast_frame(rows).empty


def test_evidence_map_counts_studies_and_patients_by_age(fixture_data):
    cells = evidence_map.evidence_map(
        [s for s in dataset.studies() if s["citation"].startswith(FIXTURE_PREFIX)]
    ).set_index(["tumour", "intervention", "age"])
    assert cells.loc[("wt", "chemotherapy", "pediatric"), ["studies", "patients"]].tolist() == [2, 100]
    assert cells.loc[("wt", "resection", "pediatric"), ["studies", "patients"]].tolist() == [2, 65]
    assert cells.loc[("nb", "resection", "adult"), ["studies", "patients"]].tolist() == [1, 30]
    assert ("nb", "resection", "pediatric") not in cells.index


def test_prisma_flow_counts_the_previous_edition_and_the_new_round(fixture_data):
    rounds = dataset.screening()
    f = prisma.flow(rounds, studies_on_file=len(dataset.studies()))
    # The fixture rounds, counted by hand: round 1 included 4; round 2 logged 8 records, removed 2
    # (a duplicate, one already included), excluded 3 (2 adult-only, 1 editorial), included 2, 1 waits.
    assert (f.previous_studies, f.counts.identified, f.counts.removed, f.counts.screened) == (4, 8, 2, 6)
    assert (f.counts.excluded, f.counts.included, f.counts.awaiting) == (3, 2, 1)
    assert f.studies_on_file == len(dataset.studies())
    text = prisma.description(rounds, 6)
    assert "previous edition (1 earlier round): n = 4" in text
    assert "MEDLINE" in text and "1 saved query, 8 hits before de-duplication" in text
    assert "Records excluded: n = 3 \u2022 adults only: 2 \u2022 review or editorial: 1." in text
    first = prisma.description(rounds[:1], 6)
    assert "No previous edition" in first and "reference list of a <source> & review: 30 entries" in first
    unrecorded = prisma.description(
        [rounds[0], {**rounds[1], "queries": [{**rounds[1]["queries"][0], "records": None}]}], 6
    )
    assert "how many records 1 of them returned was not recorded" in unrecorded and "not known" not in unrecorded


def test_a_null_estimate_is_computed_from_its_counts_with_an_exact_interval():
    rows = _rows(
        kind="proportion",
        estimate=[None, 50, 50],
        events=[10, None, None],
        denominator=[21, None, None],
        ci_low=[None, 40, 40],
        ci_high=[None, 60, 60],
    )
    converted = pooling.as_percentages(rows).iloc[0]
    assert converted["estimate"] == pytest.approx(100 * 10 / 21)
    # Clopper-Pearson for 10/21 (published: 0.2571-0.7022).
    assert (converted["ci_low"], converted["ci_high"]) == pytest.approx((25.71, 70.22), abs=0.01)
    assert converted["ci_source"] == "exact from counts"


def test_explorer_html_escapes_contributor_text():
    hostile = '<script>alert("x")</script> & "q"'
    rows = pd.DataFrame(
        [explorer_row(label=hostile, interventions=["resection", "targeted-therapy"], agents=[hostile], group=hostile)]
    )
    bundle = explorer.explorer_table(rows, caption=hostile)._repr_mimebundle_()
    assert "<script>" not in bundle["text/html"]
    assert "&lt;script&gt;" in bundle["text/html"]
    assert "<script>" not in bundle["text/markdown"]


def test_explorer_shows_each_outcome_own_n_and_counts_as_counts():
    rows = pd.DataFrame(
        [
            explorer_row(outcome_id="a", group="subgroup", n=34),
            explorer_row(
                outcome_id="b",
                group="selected",
                n=None,
                kind="count",
                unit="count",
                estimate=14,
                ci_low=None,
                ci_high=None,
            ),
            explorer_row(outcome_id="c", kind="case", n=1, unit="count", estimate=1, ci_low=2.5, ci_high=100),
            explorer_row(outcome_id="d", interventions=["targeted-therapy"], agents=["everolimus", "sunitinib"]),
        ]
    )
    shown = explorer.evidence_rows(rows).set_index(rows["outcome_id"])
    # The subgroup's own 34 patients, never the study's 96.
    assert shown.loc["a", "n"] == "34" and "96" not in shown["n"].tolist()
    assert shown.loc["b", ["n", "estimate", "ci"]].tolist() == ["not reported", "14 patients", ""]
    # A single case is never a rate with an interval, even if an interval was recorded.
    assert shown.loc["c", ["estimate", "ci"]].tolist() == ["1 patient (single case)", ""]
    assert shown.loc["d", "interventions"] == "targeted therapy (everolimus, sunitinib)"


def _rows_of(spec: dict, field: str) -> list[dict]:
    return [row for data in datasets(spec) for row in data if field in row]


def _fixture_study(citation: str) -> dict:
    return yaml.safe_load((FIXTURE_DATA / "studies" / f"{citation}.yaml").read_text(encoding="utf-8"))


def test_built_synthesis_draws_the_declared_pool_only_with_its_marks(tmp_path_factory):
    root = built_fixture_site(tmp_path_factory)
    page = (root / "_build" / "html" / "book" / "synthesis.html").read_text(encoding="utf-8")
    specs = [s for s in page_specs(page) if _rows_of(s, "diamond") or _rows_of(s, "kind")]
    (pool,) = specs  # one declared pool, one forest plot: nothing grouped automatically
    studies = [r for r in _rows_of(pool, "kind") if r["kind"] == "study"]
    expected = []
    for citation in ("fixturea2001fictional", "fixtureb2003fictional", "fixturec2005fictional"):
        record = _fixture_study(citation)
        (outcome,) = [o for o in record["outcomes"] if o["id"] == "os5"]
        expected.append(f"{record['label']} (n = {outcome['n']})")
    assert [r["label"] for r in studies] == expected
    assert sum(r["area"] for r in studies) == pytest.approx(forest.MAX_MARKER_AREA)
    assert len([r for r in _rows_of(pool, "kind") if r["kind"] == "pooled"]) == 1
    assert len({r["diamond"] for r in _rows_of(pool, "diamond")}) == 1
    subtitle = " ".join(pool["title"]["subtitle"])
    assert "Hartung-Knapp-Sidik-Jonkman" in subtitle and "prediction interval" in subtitle and "I\u00b2" in subtitle
    # The PRISMA diagram and the pooling table are on the page too.
    assert any("PRISMA 2020" in s for s in re.findall(r'aria-label="([^"]*)"', page))
    assert "Not pooled because" in page and "fixture-wt-os-5y" in page


def test_built_synthesis_of_the_real_data_pools_nothing_and_says_so(built_site):
    page = (built_site / "_build" / "html" / "book" / "synthesis.html").read_text(encoding="utf-8")
    text = " ".join(BeautifulSoup(page, "html.parser").get_text().split())
    assert "pools nothing and draws no forest plot" in text
    assert not any(_rows_of(s, "diamond") for s in page_specs(page))
    # The within-study contrasts are drawn: one panel per study and comparison.
    stacks = [s for s in page_specs(page) if stacked(s)]
    assert len(stacks) == 1
    # Counted from the study files themselves, not by figures.contrasts: one panel per study and
    # comparison that has an arm given as a percentage (an estimate, or events of a denominator).
    expected = set()
    for path in (built_site / "data" / "studies").glob("*.yaml"):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        for outcome in record.get("outcomes") or []:
            given = outcome.get("estimate") is not None or (
                outcome.get("events") is not None and outcome.get("denominator")
            )
            if outcome.get("comparison") and outcome["kind"] in {"proportion", "survival", "prevalence"} and given:
                expected.add((record["citation"], outcome["comparison"]))
    assert panels(stacks[0]) == len(expected) > 0
