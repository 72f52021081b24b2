"""The HTML report stays usable at scale: boxes from quartiles, a paged leaderboard."""

from __future__ import annotations

import statistics
from types import SimpleNamespace

from wattprint.report import figures
from wattprint.report.html import _leaderboard


def test_a_task_with_many_runs_gets_a_precomputed_box_not_every_point():
    many = [("m", float(v)) for v in range(1, figures.BOX_POINTS_MAX + 2)]
    few = [("m", 2.0), ("n", 4.0)]
    fig = figures.energy_per_task(SimpleNamespace(task_values={"big": many, "small": few}))
    big = next(t for t in fig["data"] if t["name"] == "big")
    small = next(t for t in fig["data"] if t["name"] == "small")
    ys = [v for _, v in many]
    assert "y" not in big and big["median"] == [statistics.median(ys)]
    assert big["lowerfence"] == [1.0] and big["upperfence"] == [float(len(ys))]
    assert big["q1"][0] < big["median"][0] < big["q3"][0]
    assert small["y"] == [2.0, 4.0]  # small tasks keep every run's point


def test_the_leaderboard_has_a_show_more_control():
    assert 'class="more"' in _leaderboard([])
