"""Least-squares fits (scipy): energy against parameter count and against output length.

``loglog_fit`` fits ``log10(y) = intercept + slope * log10(x)``: a slope of 1
means energy grows in proportion to size. ``r2`` is the coefficient of
determination in log space. Points with x <= 0 or y <= 0 are left out (no log).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from wattprint.analysis.stats import summary_of, usable
from wattprint.errors import WattprintError
from wattprint.results.schema import RunResult

__all__ = ["Fit", "Point", "linear_fit", "loglog_fit", "energy_vs_parameters", "energy_vs_output_length"]

#: tasks whose output length varies with the model (tokens generated per inference)
GENERATION_TASKS = ("text-generation", "summarization", "image-to-text", "zero-shot-summarization")


@dataclass(frozen=True)
class Fit:
    """``y = intercept + slope * x`` (in log10 space for ``loglog``), with r^2 and n points."""

    slope: float
    intercept: float
    r2: float
    n: int
    loglog: bool

    def predict(self, x: float) -> float:
        if self.loglog:
            return 10 ** (self.intercept + self.slope * math.log10(x))
        return self.intercept + self.slope * x

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Point:
    """One model (or run) in a scatter: x in the caller's unit, y in Wh per 1,000 inferences."""

    label: str
    task: str
    x: float
    y: float
    runs: int

    def to_dict(self) -> dict:
        return asdict(self)


def linear_fit(xs: Iterable[float], ys: Iterable[float]) -> Fit | None:
    """Ordinary least squares (``scipy.stats.linregress``); None with fewer than 2 distinct x values.

    ``r2`` is the square of Pearson's r; when every y is the same the horizontal line fits
    exactly and r2 is 1. scipy (the ``analysis`` extra) is imported here, on first use.
    """
    pairs = zip(list(xs), list(ys), strict=True)
    pts = [(float(x), float(y)) for x, y in pairs if math.isfinite(x) and math.isfinite(y)]
    if len(pts) < 2 or len({x for x, _ in pts}) < 2:
        return None
    try:
        from scipy.stats import linregress
    except ImportError as exc:
        raise WattprintError(
            "fitting energy against size needs scipy, which is not installed",
            hint="pip install 'wattprint[analysis]' (numpy and scipy)",
        ) from exc
    res = linregress([x for x, _ in pts], [y for _, y in pts])
    constant_y = len({y for _, y in pts}) == 1
    r2 = 1.0 if constant_y else float(res.rvalue) ** 2
    return Fit(slope=float(res.slope), intercept=float(res.intercept), r2=r2, n=len(pts), loglog=False)


def loglog_fit(xs: Iterable[float], ys: Iterable[float]) -> Fit | None:
    """Least squares of log10(y) on log10(x); positive values only; None when under 2 points."""
    pairs = zip(list(xs), list(ys), strict=True)
    pts = [(math.log10(x), math.log10(y)) for x, y in pairs if x and y and x > 0 and y > 0]
    fit = linear_fit([x for x, _ in pts], [y for _, y in pts])
    if fit is None:
        return None
    return Fit(slope=fit.slope, intercept=fit.intercept, r2=fit.r2, n=fit.n, loglog=True)


def _per_model(results: list[RunResult]) -> dict[tuple[str, str], list[RunResult]]:
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for r in usable(results):
        groups.setdefault((r.config.task, r.config.model), []).append(r)
    return groups


def energy_vs_parameters(
    results: Iterable[RunResult], task: str | None = None
) -> tuple[list[Point], Fit | None]:
    """One point per (task, model) with a known parameter count: x = parameters, y = mean Wh/1k.

    The fit is log-log over all points (or the given task's).
    """
    points = []
    for (t, model), runs in sorted(_per_model(list(results)).items()):
        if task is not None and t != task:
            continue
        params = next((r.model_info.parameters for r in runs if r.model_info and r.model_info.parameters), None)
        if not params:
            continue
        y = statistics.fmean(summary_of(r).wh_per_1k_mean for r in runs)
        points.append(Point(label=model, task=t, x=float(params), y=y, runs=len(runs)))
    return points, loglog_fit([p.x for p in points], [p.y for p in points])


def energy_vs_output_length(
    results: Iterable[RunResult], tasks: Iterable[str] = GENERATION_TASKS
) -> tuple[list[Point], Fit | None]:
    """One point per generation run with token counts: x = output tokens per inference, y = Wh/1k.

    The fit is linear: its slope is Wh per 1,000 inferences per extra output token.
    """
    wanted = set(tasks)
    points = []
    for r in usable(results):
        if r.config.task not in wanted:
            continue
        tokens = summary_of(r).counts_per_inference.get("output_tokens")
        if not tokens:
            continue
        points.append(Point(label=r.config.model, task=r.config.task, x=tokens,
                            y=summary_of(r).wh_per_1k_mean, runs=1))
    points.sort(key=lambda p: (p.task, p.label, p.x, p.y))
    return points, linear_fit([p.x for p in points], [p.y for p in points])
