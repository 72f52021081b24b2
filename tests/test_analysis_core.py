"""Analysis functions over RunResults: statistics, fits, ratios, stars, leaderboard, compare, carbon."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from fakes_analysis import make_run, study_like
from wattprint.analysis import (
    by_dataset,
    by_model,
    by_task,
    compare_runs,
    energy_vs_output_length,
    energy_vs_parameters,
    is_multi_purpose,
    leaderboard,
    loglog_fit,
    multi_vs_specific,
    recompute_carbon,
    star_ratings,
)
from wattprint.analysis.audit import audit_summary
from wattprint.analysis.carbon import carbon_factor
from wattprint.analysis.stars import size_class, star_edges
from wattprint.analysis.welch import student_t_sf, welch_t_test
from wattprint.carbon.factor import CarbonInfo
from wattprint.results.schema import AuditFlag


def test_task_stats_over_run_means_skip_failed_runs():
    runs = study_like()
    st = by_task(runs)["text-classification"]
    means = [2.1, statistics.fmean([5.0, 5.5, 5.2]), statistics.fmean([0.5, 0.52, 0.49])]
    assert st.runs == 3 and st.models == 3  # the failed run is not counted
    e = st.energy_wh_per_1k
    assert e.mean == pytest.approx(statistics.fmean(means))
    assert e.std == pytest.approx(statistics.stdev(means))
    assert e.median == pytest.approx(statistics.median(means))
    assert (e.min, e.max) == (pytest.approx(min(means)), pytest.approx(max(means)))
    assert e.ci95_low < e.mean < e.ci95_high
    g = st.emissions_g_per_1k
    assert g.mean == pytest.approx(e.mean / 1000 * 475)
    assert st.measured_share == pytest.approx(1.0)
    gen = by_task(runs)["text-generation"]
    assert 0.0 < gen.measured_share < 1.0


def test_model_and_dataset_grouping_keys():
    runs = study_like()
    assert "text-classification / roberta-large" in by_model(runs)
    assert "roberta-large" in by_model(runs, per_task=False)
    ds = by_dataset(runs)
    assert ds["text-classification / imdb"].runs == 3


def test_loglog_fit_recovers_a_power_law():
    xs = [1e6, 1e7, 1e8, 1e9]
    ys = [2e-3 * x**0.7 for x in xs]
    f = loglog_fit(xs, ys)
    assert f.slope == pytest.approx(0.7) and f.r2 == pytest.approx(1.0)
    assert f.intercept == pytest.approx(math.log10(2e-3))
    assert f.predict(1e10) == pytest.approx(2e-3 * 1e10**0.7)
    assert loglog_fit([1.0], [2.0]) is None
    noisy = loglog_fit(xs, [ys[0] * 3, ys[1] / 3, ys[2] * 3, ys[3] / 3])
    assert noisy.r2 < 0.9


def test_energy_vs_parameters_and_output_length():
    runs = study_like()
    points, fit = energy_vs_parameters(runs)
    assert len(points) == 10 and fit is not None and fit.n == 10
    assert fit.slope > 0  # bigger models cost more in this fake set
    tc_points, _ = energy_vs_parameters(runs, task="text-classification")
    assert {p.label for p in tc_points} == {"distilbert-sst2", "roberta-large", "tiny-bert"}
    lpoints, lfit = energy_vs_output_length(runs)
    assert {p.x for p in lpoints} == {10.0, 12.0}
    assert lfit is not None and lfit.n == 3


def test_multi_purpose_families_and_ratio():
    runs = study_like()
    assert is_multi_purpose(make_run("summarization", "google/flan-t5-base", [1.0]))
    assert is_multi_purpose(make_run("zero-shot-classification", "some/model", [1.0]))
    assert not is_multi_purpose(make_run("image-to-text", "Salesforce/blip2-flan-t5-xl", [1.0]))
    assert is_multi_purpose(make_run("text-generation", "my/llama-7b", [1.0]), families=["llama-*"])
    (r,) = multi_vs_specific(runs)
    assert (r.task, r.dataset, r.multi_models, r.specific_models) == ("text-classification", "imdb", 2, 3)
    spec = statistics.fmean([2.1, statistics.fmean([5.0, 5.5, 5.2]), statistics.fmean([0.5, 0.52, 0.49])])
    multi = statistics.fmean([60.0, 51.0])
    assert r.ratio == pytest.approx(multi / spec)
    assert r.ratio_min == pytest.approx(51.0 / spec) and r.ratio_max == pytest.approx(60.0 / spec)
    assert r.ratio_extreme_high == pytest.approx(60.0 / statistics.fmean([0.5, 0.52, 0.49]))


def test_star_ratings_are_log_bins_deterministic_and_order_free():
    vals = {"a": 1.0, "b": 10.0, "c": 100.0, "d": 1000.0, "e": 100000.0}
    stars = star_ratings(vals)
    # log range 0..5 -> one star per decade; the max is 1 star
    assert stars == {"a": 5, "b": 4, "c": 3, "d": 2, "e": 1}
    # heavy tail: one huge outlier does not crush the others into one bin as linear bins would
    tail = star_ratings({"x": 1.0, "y": 1.5, "z": 3.0, "w": 30.0})
    assert tail["x"] == 5 and tail["w"] == 1 and tail["z"] in (3, 4)
    keys = list(vals)
    random.Random(1).shuffle(keys)
    assert star_ratings({k: vals[k] for k in keys}) == stars
    ties = star_ratings({"p": 2.0, "q": 2.0, "r": 8.0})
    assert ties["p"] == ties["q"] == 5 and ties["r"] == 1
    assert star_ratings({"only": 3.0}) == {"only": None}
    assert star_ratings({"s": 2.0, "t": 2.0}) == {"s": None, "t": None}
    assert star_edges([1.0, 100000.0]) == pytest.approx([10.0, 100.0, 1000.0, 10000.0])


def test_size_classes_follow_ai_energy_score():
    assert size_class("text-generation", 7_000_000_000) == "<=20B"
    assert size_class("text-generation", 20_000_000_000) == "<=20B"
    assert size_class("text-generation", 65_000_000_000) == "<=66B"
    assert size_class("text-generation", 70_000_000_000) == ">66B"
    assert size_class("text-generation", None) == "size unknown"
    assert size_class("summarization", 70_000_000_000) is None


def test_leaderboard_stars_within_task_and_size_class():
    entries = leaderboard(study_like())
    by = {(e.task, e.model): e for e in entries}
    assert by[("text-classification", "tiny-bert")].stars == 5
    assert by[("text-classification", "roberta-large")].stars == 1
    big = by[("text-generation", "big-70b")]
    assert big.group == "text-generation (>66B)" and big.stars is None  # alone in its class
    assert by[("text-generation", "gpt2")].stars == 5 and by[("text-generation", "opt-1.3b")].stars == 1
    assert [e.task for e in entries] == sorted(e.task for e in entries)
    vit = by[("image-classification", "vit-base")]
    assert vit.wh_per_1k_ci95[0] < vit.wh_per_1k < vit.wh_per_1k_ci95[1]
    assert vit.hardware == "NVIDIA A100-SXM4-80GB" and vit.measured_share == pytest.approx(1.0)
    assert by[("text-generation", "gpt2")].measured_share == pytest.approx(0.6)


def test_welch_matches_reference_values():
    # reference: scipy.stats.ttest_ind([1,2,3,4],[3,4,5,6,7], equal_var=False) -> t=-2.6112, p=0.0349
    w = welch_t_test([1, 2, 3, 4], [3, 4, 5, 6, 7])
    assert w.t == pytest.approx(-2.6112, abs=1e-4) and w.df == pytest.approx(6.9808, abs=1e-3)
    assert w.p_value == pytest.approx(0.03494, abs=2e-4)
    assert student_t_sf(2.228, 10) == pytest.approx(0.025, abs=1e-4)
    assert welch_t_test([1.0], [2.0, 3.0]) is None


def test_compare_verdicts():
    a = make_run("text-classification", "m1", [2.0, 2.1, 1.9, 2.05])
    b = make_run("text-classification", "m2", [3.0, 3.1, 2.9, 3.05])
    c = make_run("text-classification", "m3", [2.02, 1.98, 2.1, 1.95])
    diff = compare_runs([a], [b])
    assert diff.significant is True and diff.welch.p_value < 0.05
    assert diff.ratio_b_over_a == pytest.approx(statistics.fmean([3.0, 3.1, 2.9, 3.05]) / 2.0125)
    assert not diff.ci_overlap
    same = compare_runs([a], [c])
    assert same.significant is False and same.welch.p_value >= 0.05
    one_a, one_b = make_run("qa", "x", [2.0]), make_run("qa", "y", [2.05])
    und = compare_runs([one_a], [one_b])
    assert und.welch is None and und.significant is None and "undetermined" in und.verdict
    far = compare_runs([one_a], [make_run("qa", "z", [20.0])])
    assert far.significant is True and "bounds do not overlap" in far.verdict
    warn = compare_runs([a], [make_run("summarization", "s", [9.0, 9.5])])
    assert warn.warnings and "different tasks" in warn.warnings[0]


def test_compare_with_a_failed_run_names_the_side_that_failed():
    ok = make_run("text-classification", "m1", [2.0, 2.1])
    bad = make_run("text-classification", "m2", [], status="failed")
    with pytest.raises(ValueError, match=r"^run b failed: boom$"):
        compare_runs([ok], [bad], a_label="run a", b_label="run b")
    with pytest.raises(ValueError, match=r"^run a failed: boom$"):
        compare_runs([bad], [ok], a_label="run a", b_label="run b")
    with pytest.raises(ValueError, match=r"^run a failed: boom; run b failed: boom$"):
        compare_runs([bad], [bad], a_label="run a", b_label="run b")


def test_recompute_carbon_changes_grams_not_energy():
    runs = study_like()[:2]
    factor = CarbonInfo(intensity_g_per_kwh=50.0, region="FR", source="test", year=2023)
    out = recompute_carbon(runs, factor)
    assert out[0].summary.wh_per_1k_mean == runs[0].summary.wh_per_1k_mean
    assert out[0].g_co2e_per_1k == pytest.approx(runs[0].summary.wh_per_1k_mean / 1000 * 50.0)
    assert runs[0].carbon.intensity_g_per_kwh == 475.0  # originals untouched
    assert out[0].extra["carbon_original"]["intensity_g_per_kwh"] == 475.0
    f = carbon_factor(intensity=100.0, pue=1.2)
    assert f.intensity_g_per_kwh == 100.0 and f.pue == 1.2


def test_audit_summary_counts_and_shares():
    r1 = make_run("qa", "a", [1.0])
    r1.audit = [AuditFlag(component="ram", reason="rule", share=0.4), AuditFlag(component="cpu", reason="tdp",
                                                                                   share=0.05)]
    r2 = make_run("qa", "b", [1.0])
    r2.audit = [AuditFlag(component="ram", reason="rule", share=0.36)]
    s = audit_summary([r1, r2, make_run("qa", "c", [1.0])])
    assert s["runs"] == 3 and s["flagged"] == 2
    assert s["components"]["ram"]["mean_share"] == pytest.approx(0.38)
    assert s["mean_guessed_share"] == pytest.approx((0.45 + 0.36) / 2)


def test_one_run_group_reports_the_runs_own_interval_not_a_point():
    """Over one run the spread between runs is unknown: the group shows the run's interval over its repeats."""
    run = make_run("text-classification", "m", [1.0, 3.0], intensity=500.0)
    stats = by_task([run])["text-classification"]
    iv = run.summary.wh_per_1k_ci95
    assert iv.high > iv.low  # two differing repeats: a real interval
    assert (stats.energy_wh_per_1k.ci95_low, stats.energy_wh_per_1k.ci95_high) == (iv.low, iv.high)
    assert stats.emissions_g_per_1k.ci95_high == pytest.approx(iv.high / 1000 * 500.0)
    # with two runs the interval is over the runs' means again
    two = by_task([run, make_run("text-classification", "m2", [4.0, 4.0])])["text-classification"]
    low, high = two.energy_wh_per_1k.ci95_low, two.energy_wh_per_1k.ci95_high
    t975_df1 = math.tan(math.pi * (0.975 - 0.5))  # df = 1: Student t is Cauchy, quantile tan(pi (p - 1/2))
    half = t975_df1 * statistics.stdev([2.0, 4.0]) / math.sqrt(2)
    assert (low, high) == pytest.approx((max(0.0, 3.0 - half), 3.0 + half))
