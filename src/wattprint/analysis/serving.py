"""Serving runs read back: the energy-latency Pareto front, two runs compared level by level.

A level is on the Pareto front when no other level of the run has both less energy per request
(J, whole) and a lower latency (s, by default the p90 end-to-end latency): those are the operating
points worth choosing between. Two runs are compared on the levels they share (same label), with
Welch's t-test on the per-repeat J per request.
"""

from __future__ import annotations

from dataclasses import dataclass

from wattprint.analysis.pareto import non_dominated
from wattprint.analysis.welch import welch_t_test
from wattprint.results.serving import LevelResult, ServingResult, j_of

#: latency used for the front: "<metric>_<stat>", metric ttft|itl|e2e, stat p50|p90|p99|mean
DEFAULT_LATENCY = "e2e_p90"


def latency_of(level: LevelResult, which: str = DEFAULT_LATENCY) -> float | None:
    """The level's latency named ``which`` (s), e.g. ``e2e_p90``."""
    metric, _, stat = which.partition("_")
    return getattr(getattr(level, f"{metric}_s"), stat)


def pareto_front(run: ServingResult, which: str = DEFAULT_LATENCY) -> list[LevelResult]:
    """Levels not dominated in (J per request, latency), by increasing latency."""
    pts = [(lv, j_of(lv).mean, lat) for lv in run.ok_levels if (lat := latency_of(lv, which)) is not None]
    front = non_dominated(pts, lambda p: (p[1], p[2]))
    return [lv for lv, _, _ in sorted(front, key=lambda p: p[2])]


@dataclass(frozen=True)
class LevelComparison:
    """One level present in both runs: J per request (mean) of each, B/A ratio, Welch p (None: <2 repeats)."""

    label: str
    a_j: float
    b_j: float
    ratio: float
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05


def compare_serving(a: ServingResult, b: ServingResult) -> list[LevelComparison]:
    """Levels shared by ``a`` and ``b`` (same label), compared on J per request."""
    b_by = {lv.label: lv for lv in b.ok_levels}
    out = []
    for la in a.ok_levels:
        lb = b_by.get(la.label)
        if lb is None:
            continue
        va = [r.j_per_request for r in la.repeats if r.j_per_request is not None]
        vb = [r.j_per_request for r in lb.repeats if r.j_per_request is not None]
        w = welch_t_test(va, vb) if len(va) > 1 and len(vb) > 1 else None
        aj, bj = j_of(la).mean, j_of(lb).mean
        out.append(LevelComparison(la.label, aj, bj, bj / aj if aj else float("inf"),
                                   w.p_value if w is not None else None))
    return out
