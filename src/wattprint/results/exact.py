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
"""

from __future__ import annotations

import math
import statistics
from fractions import Fraction
from itertools import repeat
from operator import mul

__all__ = ["stdev"]

# the rounding statistics.stdev applies to its exact variance (Python 3.11+); None: use stdev itself
_SQRT_OF_FRAC = (getattr(statistics, "_float_sqrt_of_frac", None)
                 if "_float_sqrt_of_frac" in statistics.stdev.__code__.co_names else None)


def stdev(values: list[float]) -> float:
    """Sample standard deviation of ``values`` (n >= 2), equal to ``statistics.stdev(values)`` to the last bit."""
    n = len(values)
    if n < 2 or _SQRT_OF_FRAC is None or set(map(type, values)) != {float}:
        return statistics.stdev(values)
    try:
        if not math.isfinite(math.fsum(values)):
            return statistics.stdev(values)
    except (ValueError, OverflowError):  # inf - inf, or a sum beyond the float range
        return statistics.stdev(values)
    magnitudes = list(map(abs, values))
    high = math.frexp(max(magnitudes))[1]
    low = math.frexp(min(filter(None, magnitudes), default=1.0))[1]  # the smallest non-zero has the lowest bit
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
