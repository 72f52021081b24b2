"""``wattprint.results.exact.stdev`` equals ``statistics.stdev`` to the last bit (fast path and fallbacks)."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from wattprint.results import exact


def _samples(rng: random.Random):
    for n in (2, 3, 5, 17, 200):
        yield [rng.uniform(0.0, 10.0) for _ in range(n)]  # Wh per 1,000: the report's values
        yield [rng.lognormvariate(0.0, 8.0) for _ in range(n)]  # many binary orders apart
        yield [rng.choice([0.0, -0.0, 5e-324, 3e-310, 1e-300, 2.5]) for _ in range(n)]  # zeros, subnormals
        yield [1.1] * n  # no spread: exactly 0
        yield [rng.choice([5e-324, 3e-310, 1e-300, 2.5, 7e15, 1e300]) for _ in range(n)]  # positive, subnormals
        yield [rng.uniform(-1e200, 1e200) for _ in range(n)]  # huge, both signs
        yield [rng.uniform(1e15, 1e17) * rng.choice([1.0, -1.0, 1e-20]) for _ in range(n)]


def test_stdev_is_statistics_stdev_bit_for_bit() -> None:
    rng = random.Random(15)
    checked = 0
    for _ in range(40):
        for values in _samples(rng):
            assert exact.stdev(values) == statistics.stdev(values), values
            checked += 1
    assert checked == 40 * 35


def test_fast_path_is_taken_on_this_python() -> None:
    # Python 3.11+ rounds the exact variance with statistics._float_sqrt_of_frac; the fast path uses it
    assert exact._SQRT_OF_FRAC is not None


@pytest.mark.parametrize("values", [[1.0, math.inf], [math.nan, 1.0], [1, 2, 4], [1e308, -1e308, 1e-300],
                                    [1.0, 2.0, 3]])
def test_fallbacks_give_statistics_own_answer(values: list) -> None:
    def outcome(f):
        try:
            return f(values)
        except Exception as exc:  # statistics.stdev fails on some of these: so must the fast one
            return type(exc)

    want, got = outcome(statistics.stdev), outcome(exact.stdev)
    assert got == want or (isinstance(got, float) and math.isnan(got) and math.isnan(want))


def test_needs_two_values() -> None:
    with pytest.raises(statistics.StatisticsError):
        exact.stdev([1.0])


def test_plain_sum_adds_left_to_right_as_a_loop_does() -> None:
    rng = random.Random(16)
    for values in _samples(rng):
        for order in (values, values[::-1], [1e16, 1.0, -1e16, *values]):  # order matters: 1e16 + 1 rounds
            total = 0.0
            for v in order:
                total += v
            assert repr(exact.plain_sum(order)) == repr(total)
            assert repr(exact.plain_sum(iter(order))) == repr(total)
    assert exact.plain_sum([1e16, 1.0, 1.0, -1e16]) == 0.0 != math.fsum([1e16, 1.0, 1.0, -1e16])  # not compensated
    assert repr(exact.plain_sum([])) == "0.0" and repr(exact.plain_sum([-0.0])) == "0.0"
    assert math.isnan(exact.plain_sum([math.inf, 1.0, -math.inf]))
