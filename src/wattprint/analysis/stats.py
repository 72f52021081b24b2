"""Descriptive statistics of per-1,000-inference energy and emissions, grouped.

Every function takes ``list[RunResult]`` and does no I/O. A run contributes one
value: its mean over repeats, ``summary.wh_per_1k_mean`` (Wh per 1,000
inferences) and ``g_co2e_per_1k`` (grams CO2e per 1,000 inferences, with the
run's own carbon factor). Failed runs and runs without a summary are skipped.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace

from wattprint.results import exact
from wattprint.results.schema import RunResult, Summary, ci95_of_mean

__all__ = [
    "Stats",
    "GroupStats",
    "usable",
    "summary_of",
    "describe",
    "group_stats",
    "by_task",
    "by_model",
    "by_dataset",
    "dataset_key",
    "ci95",
]


def usable(results: Iterable[RunResult]) -> list[RunResult]:
    """Runs that carry numbers: status ok and a summary."""
    return [r for r in results if r.status == "ok" and r.summary is not None]


def summary_of(r: RunResult) -> Summary:
    """The summary of a :func:`usable` run (a ValueError for a run without one: a caller's bug)."""
    if r.summary is None:
        raise ValueError(f"run {r.run_id} has no summary: pass usable() runs")
    return r.summary


def ci95(values: list[float], mean: float | None = None) -> tuple[float, float]:
    """95% Student-t interval of the mean of ``values`` (same unit); a point when n < 2. ``mean``:
    ``statistics.fmean(values)`` when the caller has it already.

    The definition is :func:`wattprint.results.schema.ci95_of_mean`, shared with the run summary.
    """
    return ci95_of_mean(values, mean=mean)


@dataclass(frozen=True)
class Stats:
    """Summary statistics of one sample (unit given by the caller: Wh or g per 1,000)."""

    n: int
    mean: float
    std: float
    median: float
    min: float
    max: float
    ci95_low: float
    ci95_high: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def describe(values: Iterable[float]) -> Stats | None:
    """n, mean, sample std (0 for n=1), median, min, max and 95% CI of the mean; None when empty."""
    vals = list(values)
    if None in vals:
        vals = [v for v in vals if v is not None]
    vals = list(map(float, vals))
    if any(map(math.isnan, vals)):
        vals = [v for v in vals if not math.isnan(v)]
    if not vals:
        return None
    mean = statistics.fmean(vals)
    std = exact.stdev(vals) if len(vals) > 1 else 0.0
    lo, hi = ci95_of_mean(vals, std, mean)
    return Stats(
        n=len(vals),
        mean=mean,
        std=std,
        median=statistics.median(vals),
        min=min(vals),
        max=max(vals),
        ci95_low=lo,
        ci95_high=hi,
    )


@dataclass(frozen=True)
class GroupStats:
    """Energy (Wh per 1,000 inferences) and emissions (g CO2e per 1,000) of one group of runs."""

    key: str
    runs: int
    models: int
    energy_wh_per_1k: Stats
    emissions_g_per_1k: Stats | None
    measured_share: float = field(metadata={"doc": "energy-weighted share from sensors, 0..1"})
    origins: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["origins"] = list(self.origins)
        return d


def dataset_key(r: RunResult) -> str:
    """Dataset name, with its config when it has one (``cifar10:resized-640x480``)."""
    cfg = r.config.dataset_config
    return f"{r.config.dataset}:{cfg}" if cfg else r.config.dataset


def _own_interval(run: RunResult, energy: Stats, emissions: Stats | None) -> tuple[Stats, Stats | None]:
    """A one-run group: the interval over runs is a point, so use the run's own 95% interval over its
    repeats instead (never a zero-width interval that would read as certainty)."""
    iv = summary_of(run).wh_per_1k_ci95
    energy = replace(energy, ci95_low=iv.low, ci95_high=iv.high)
    if emissions is not None and run.carbon is not None:
        emissions = replace(emissions, ci95_low=run.carbon.grams(iv.low), ci95_high=run.carbon.grams(iv.high))
    return energy, emissions


def group_stats(results: Iterable[RunResult], key: Callable[[RunResult], str]) -> dict[str, GroupStats]:
    """Group usable runs by ``key(run)`` and describe each group; keys sorted."""
    groups: dict[str, list[RunResult]] = {}
    for r in usable(results):
        groups.setdefault(key(r), []).append(r)
    out: dict[str, GroupStats] = {}
    for k in sorted(groups):
        runs = groups[k]
        summaries = [s for r in runs if (s := r.summary) is not None]  # all of them: usable() runs
        energy = describe(s.wh_per_1k_mean for s in summaries)
        grams = [g for r in runs if (g := r.g_co2e_per_1k) is not None]
        wh_total = sum(s.wh_per_1k_mean for s in summaries)
        measured = (
            sum(s.wh_per_1k_mean * s.measured_share for s in summaries) / wh_total
            if wh_total > 0
            else 0.0
        )
        assert energy is not None
        emissions = describe(grams)
        if len(runs) == 1:
            energy, emissions = _own_interval(runs[0], energy, emissions)
        out[k] = GroupStats(
            key=k,
            runs=len(runs),
            models=len({r.config.model for r in runs}),
            energy_wh_per_1k=energy,
            emissions_g_per_1k=emissions,
            measured_share=measured,
            origins=tuple(sorted({r.origin for r in runs})),
        )
    return out


def by_task(results: Iterable[RunResult]) -> dict[str, GroupStats]:
    """Statistics per task (Wh and g CO2e per 1,000 inferences, over runs)."""
    return group_stats(results, lambda r: r.config.task)


def by_model(results: Iterable[RunResult], per_task: bool = True) -> dict[str, GroupStats]:
    """Statistics per model; keys are ``task / model`` when ``per_task`` (a model's cost is per task)."""
    if per_task:
        return group_stats(results, lambda r: f"{r.config.task} / {r.config.model}")
    return group_stats(results, lambda r: r.config.model)


def by_dataset(results: Iterable[RunResult], per_task: bool = True) -> dict[str, GroupStats]:
    """Statistics per dataset; keys are ``task / dataset`` when ``per_task``."""
    if per_task:
        return group_stats(results, lambda r: f"{r.config.task} / {dataset_key(r)}")
    return group_stats(results, dataset_key)
