"""The one dominance helper behind the quality and serving Pareto fronts."""

import math

from wattprint.analysis.pareto import non_dominated


def test_keeps_only_points_no_other_beats_on_both_axes_in_given_order():
    pts = [("c", 3.0, 1.0), ("a", 1.0, 3.0), ("worse", 3.0, 3.0), ("b", 2.0, 2.0), ("edge", 3.0, 2.0)]
    front = non_dominated(pts, lambda p: (p[1], p[2]))
    assert [p[0] for p in front] == ["c", "a", "b"]


def test_equal_points_both_stay_and_nan_is_never_dominated():
    pts = [("x", 1.0, 1.0), ("y", 1.0, 1.0), ("n", math.nan, 5.0)]
    assert [p[0] for p in non_dominated(pts, lambda p: (p[1], p[2]))] == ["x", "y", "n"]
