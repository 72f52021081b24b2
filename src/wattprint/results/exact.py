"""``statistics.stdev`` bit for bit, fast over a million values (same unit as the values).

The standard library computes the sample standard deviation from the *exact* sums
``sum x`` and ``sum x**2`` (as fractions), then rounds the square root of the exact
variance once. Its per-value Python loop costs about a microsecond; a report over a
million runs calls it on millions of values. :func:`stdev` computes the same exact sums
in C loops instead: every float is ``M * 2**e`` with an integer ``M``, so scaling all
values by one power of two ``2**K`` makes them exact integers, whose sums Python adds
exactly. The exact variance is then the same fraction the standard library forms, and
the same final rounding (``statistics``' own square root of a fraction) gives the same
float. Where that cannot be done exactly (values not all finite floats, a spread of
more than ~970 binary orders, or a Python whose ``stdev`` rounds differently) it calls
``statistics.stdev`` itself. ``tests/test_results_exact.py`` compares both.

:func:`plain_sum` is the other exactness the report needs: a sum whose result depends on
the order of its additions (``total += x``, one rounding per addition, as the object path
adds), over a million values in C.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Iterable
from fractions import Fraction
from functools import reduce
from itertools import repeat
from operator import add, mul

__all__ = ["plain_sum", "stdev"]

#: the built-in ``sum`` of floats adds them one by one, rounding each time, before Python 3.12 (3.12 compensates)
_SUM_IS_PLAIN = sys.version_info < (3, 12)


def plain_sum(values: Iterable[float]) -> float:
    """``0.0 + v1 + v2 + ...``, left to right, each addition rounded (what ``total += v`` in a loop gives;
    ``functools.reduce(operator.add, values, 0.0)``); same unit as the values. Floats only.

    Before Python 3.12 the built-in ``sum`` does exactly this in C, without a float object per step
    (4x faster than ``reduce``); from 3.12 it compensates the rounding errors (a different, more
    exact result), so ``reduce`` is used there."""
    if _SUM_IS_PLAIN:
        return sum(values, 0.0)
    return reduce(add, values, 0.0)

# the rounding statistics.stdev applies to its exact variance (Python 3.11+); None: use stdev itself
_SQRT_OF_FRAC = (getattr(statistics, "_float_sqrt_of_frac", None)
                 if "_float_sqrt_of_frac" in statistics.stdev.__code__.co_names else None)


def stdev(values: list[float]) -> float:
    """Sample standard deviation of ``values`` (n >= 2), equal to ``statistics.stdev(values)`` to the last bit."""
    n = len(values)
    if n < 2 or _SQRT_OF_FRAC is None or set(map(type, values)) != {float}:
        return statistics.stdev(values)
    if not math.isfinite(sum(values)):  # an inf or a NaN (or a sum beyond the float range): not scaled here
        return statistics.stdev(values)
    smallest = min(values)
    if smallest > 0.0:  # all positive (energy, carbon): the values are their magnitudes
        high, low = math.frexp(max(values))[1], math.frexp(smallest)[1]
    else:
        magnitudes = list(map(abs, values))
        high = math.frexp(max(magnitudes))[1]
        low = math.frexp(min(filter(None, magnitudes), default=1.0))[1]  # the smallest non-zero: the lowest bit
    k = 53 - low  # every value times 2**k is an integer (53-bit significands)
    if high + k > 1023:  # would overflow: the values span too many binary orders
        return statistics.stdev(values)
    ints = list(map(int, map(math.ldexp, values, repeat(k))))
    s, ss = sum(ints), sum(map(mul, ints, ints))
    sx = Fraction(s, 1 << k) if k >= 0 else Fraction(s << -k)
    sxx = Fraction(ss, 1 << (2 * k)) if k >= 0 else Fraction(ss << (-2 * k))
    ssd = (n * sxx - sx * sx) / n  # the standard library's formula, exact with fractions
    mss = ssd / (n - 1)
    return float(_SQRT_OF_FRAC(mss.numerator, mss.denominator))
