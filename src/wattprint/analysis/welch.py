"""Welch's unequal-variance t-test, by scipy (``scipy.stats.ttest_ind(equal_var=False)``).

scipy is in the ``analysis`` extra and imported inside the functions, so importing this
module stays light; without scipy a call raises a :class:`WattprintError` with the fix.
"""

from __future__ import annotations

import math
import statistics
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from wattprint.errors import WattprintError

__all__ = ["WelchResult", "welch_t_test", "student_t_sf"]


def _scipy_stats() -> Any:
    try:
        import scipy.stats
    except ImportError as exc:
        raise WattprintError(
            "Welch's test needs scipy, which is not installed",
            hint="pip install 'wattprint[analysis]' (numpy and scipy)",
        ) from exc
    return scipy.stats


def student_t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` (real, > 0) degrees of freedom."""
    return float(_scipy_stats().t.sf(t, df))


@dataclass(frozen=True)
class WelchResult:
    """Welch's t statistic, its Welch-Satterthwaite degrees of freedom, and the two-sided p-value."""

    t: float
    df: float
    p_value: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def welch_t_test(a: list[float], b: list[float]) -> WelchResult | None:
    """Two-sided Welch t-test of equal means; None when a side has fewer than 2 values.

    When both samples have zero variance the test is degenerate (scipy gives NaN): the means
    then differ for certain (t = inf, p = 0) or are equal (t = 0, p = 1).
    """
    if len(a) < 2 or len(b) < 2:
        return None
    ma, mb = statistics.fmean(a), statistics.fmean(b)
    if statistics.variance(a) + statistics.variance(b) == 0:
        return WelchResult(t=math.inf if ma != mb else 0.0, df=math.inf, p_value=0.0 if ma != mb else 1.0)
    stats = _scipy_stats()
    with warnings.catch_warnings():  # scipy flags a constant side as "precision loss"; its variance is exactly 0
        warnings.filterwarnings("ignore", message="Precision loss occurred", category=RuntimeWarning)
        res = stats.ttest_ind(a, b, equal_var=False)
    return WelchResult(t=float(res.statistic), df=float(res.df), p_value=float(res.pvalue))
