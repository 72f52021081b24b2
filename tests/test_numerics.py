"""The library numerics: the t quantile (scipy), Welch's test (scipy) and the fits (scipy), checked
against closed forms, and a clear error (not a traceback) where the ``analysis`` extra is missing."""

from __future__ import annotations

import math
import sys

import pytest

from wattprint.analysis.fits import linear_fit
from wattprint.analysis.stats import ci95
from wattprint.analysis.welch import welch_t_test
from wattprint.errors import WattprintError
from wattprint.results.schema import t975


def test_t975_matches_the_closed_forms_of_student_t():
    p = 0.975
    assert t975(1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-12)  # Cauchy
    assert t975(2) == pytest.approx((2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p))), rel=1e-12)
    normal = 1.959963984540054  # the standard normal 0.975 quantile, the limit as df grows
    assert t975(10**7) == pytest.approx(normal, rel=1e-6)
    assert t975(12) > t975(13) > t975(40) > normal  # decreasing in df, every df computed (no table steps)
    assert math.isnan(t975(0))


def test_ci95_is_mean_plus_minus_t_times_the_standard_error():
    vals = [1.0, 2.0, 4.0, 7.0]
    mean, sd = sum(vals) / 4, math.sqrt(sum((v - 3.5) ** 2 for v in vals) / 3)
    lo, hi = ci95(vals)
    assert (lo, hi) == pytest.approx((max(0.0, mean - t975(3) * sd / 2), mean + t975(3) * sd / 2))


def test_welch_degenerate_samples_keep_their_verdicts():
    same = welch_t_test([2.0, 2.0], [2.0, 2.0, 2.0])
    assert same.t == 0.0 and same.p_value == 1.0
    apart = welch_t_test([1.0, 1.0], [3.0, 3.0])
    assert apart.p_value == 0.0 and math.isinf(apart.t)
    one_var = welch_t_test([1.0, 1.0, 1.0], [2.0, 3.0, 4.0])  # one side constant: df from the other side only
    assert one_var.df == pytest.approx(2.0) and 0.0 < one_var.p_value < 1.0


def test_linear_fit_is_least_squares():
    fit = linear_fit([1, 2, 3, 4], [1.0, 3.0, 2.0, 5.0])
    assert (fit.slope, fit.intercept) == pytest.approx((1.1, 0.0))
    ss_res = sum((y - 1.1 * x) ** 2 for x, y in zip([1, 2, 3, 4], [1.0, 3.0, 2.0, 5.0], strict=True))
    assert fit.r2 == pytest.approx(1 - ss_res / 8.75)
    flat = linear_fit([1, 2, 3], [2.0, 2.0, 2.0])
    assert (flat.slope, flat.intercept, flat.r2) == (0.0, 2.0, 1.0)
    assert linear_fit([1, 1], [2.0, 3.0]) is None


@pytest.mark.parametrize("missing", ["scipy", "scipy.special", "scipy.stats"])
def test_without_scipy_the_numerics_say_how_to_install_it(monkeypatch, missing):
    for name in [m for m in sys.modules if m == missing or m.startswith(missing + ".")] + [missing]:
        monkeypatch.setitem(sys.modules, name, None)  # makes `import scipy...` raise ImportError
    if missing in ("scipy", "scipy.special"):
        with pytest.raises(WattprintError, match="needs scipy") as exc:
            t975(3)
        assert "wattprint[analysis]" in exc.value.hint
    if missing in ("scipy", "scipy.stats"):
        with pytest.raises(WattprintError, match="needs scipy"):
            welch_t_test([1.0, 2.0], [3.0, 5.0])
        with pytest.raises(WattprintError, match="needs scipy"):
            linear_fit([1, 2, 3], [1.0, 2.0, 4.0])


def test_one_rule_names_how_a_figure_was_obtained():
    """Every output (export, recommend, report badges, demo caveats) calls a figure measured by the same rule."""
    from wattprint.results.schema import MEASURED_SHARE_MIN, share_words

    assert share_words(1.0) == share_words(MEASURED_SHARE_MIN) == "measured"
    assert share_words(0.0) == share_words(1 - MEASURED_SHARE_MIN) == "ESTIMATED"
    assert share_words(0.999) == "partly estimated (99.9% measured)"  # 0.1% guessed is not "measured"
    assert share_words(0.001) == "partly estimated (0.1% measured)"
    assert share_words(0.42) == "partly estimated (42% measured)"
