"""A star-rated leaderboard: one entry per (task, model), aggregated over its runs.

Energy is Wh per 1,000 inferences: the mean over the model's runs of each run's
mean over repeats; its 95% interval is over runs when there are two or more, and
the run's own interval (over repeats) otherwise. ``bounds`` is the provenance
interval (what the meters' stated uncertainty allows), averaged over runs.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from wattprint.analysis.stars import size_class, star_ratings
from wattprint.analysis.stats import ci95, dataset_key, summary_of, usable
from wattprint.results.columns import hardware_of
from wattprint.results.schema import RunResult

__all__ = ["Entry", "leaderboard", "rate_and_sort", "hardware_of"]


@dataclass
class Entry:
    """One (task, model) row of the leaderboard. Energy in Wh per 1,000 inferences, carbon in g CO2e."""

    task: str
    model: str
    runs: int
    datasets: list[str]
    wh_per_1k: float
    wh_per_1k_ci95: tuple[float, float]
    wh_per_1k_bounds: tuple[float, float] | None
    g_co2e_per_1k: float | None
    measured_share: float
    parameters: int | None
    size_class: str | None
    hardware: str
    date: str
    origin: str
    run_ids: list[str]
    audited_share: float = 0.0
    components_wh_per_1k: dict[str, float] = field(default_factory=dict)
    provenance: list[str] = field(default_factory=list)
    stars: int | None = None
    group: str = ""

    def to_dict(self) -> dict:
        """The fields as plain data (what ``dataclasses.asdict`` gives; its per-element recursion
        costs a second over a million run ids, and every field here holds plain values)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: Any) -> Any:
    """A copy of a field of plain values: lists, tuples and dicts copied one level, the rest as is."""
    if isinstance(value, (list, tuple, dict)):
        return type(value)(value)
    return value


def _entry(task: str, model: str, runs: list[RunResult]) -> Entry:
    vals = [summary_of(r).wh_per_1k_mean for r in runs]
    mean = statistics.fmean(vals)
    if len(runs) > 1:
        ci = ci95(vals)
    else:
        iv = summary_of(runs[0]).wh_per_1k_ci95
        ci = (iv.low, iv.high)
    bounds = [pb for r in runs if (pb := summary_of(r).provenance_bounds_wh_per_1k)]
    b = (statistics.fmean(x.low for x in bounds), statistics.fmean(x.high for x in bounds)) if bounds else None
    grams = [r.g_co2e_per_1k for r in runs if r.g_co2e_per_1k is not None]
    measured = statistics.fmean(summary_of(r).measured_share for r in runs)
    params = next((r.model_info.parameters for r in runs if r.model_info and r.model_info.parameters), None)
    comps: dict[str, float] = {}
    for r in runs:
        for c, v in summary_of(r).components_wh_per_1k.items():
            comps[c] = comps.get(c, 0.0) + v / len(runs)
    prov = sorted({c.provenance.label + f" [{c.component}]" for r in runs for rep in r.repeats[:1]
                   for c in rep.energy.components})
    audited = statistics.fmean(min(1.0, sum(f.share for f in r.audit)) for r in runs)
    latest = max(runs, key=lambda r: r.started_at)
    return Entry(
        task=task,
        model=model,
        runs=len(runs),
        datasets=sorted({dataset_key(r) for r in runs}),
        wh_per_1k=mean,
        wh_per_1k_ci95=ci,
        wh_per_1k_bounds=b,
        g_co2e_per_1k=statistics.fmean(grams) if grams else None,
        measured_share=measured,
        parameters=params,
        size_class=size_class(task, params),
        hardware=hardware_of(latest),
        date=latest.started_at.date().isoformat(),
        origin="/".join(sorted({r.origin for r in runs})),
        run_ids=[r.run_id for r in runs],
        audited_share=audited,
        components_wh_per_1k=comps,
        provenance=prov,
    )


def leaderboard(results: Iterable[RunResult], task: str | None = None) -> list[Entry]:
    """Entries with stars, sorted by task, then energy (lowest first), then model name (deterministic)."""
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for r in usable(results):
        if task is not None and r.config.task != task:
            continue
        groups.setdefault((r.config.task, r.config.model), []).append(r)
    return rate_and_sort([_entry(t, m, runs) for (t, m), runs in groups.items()])


def rate_and_sort(entries: list[Entry]) -> list[Entry]:
    """``entries`` grouped (task and size class), starred within their group, sorted by task, energy, model.

    Fills ``group`` and ``stars`` in place and returns the same list (sorted): the one rating rule of the
    leaderboard over runs and over stored columns.
    """
    by_group: dict[str, list[Entry]] = {}
    for e in entries:
        e.group = e.task + (f" ({e.size_class})" if e.size_class else "")
        by_group.setdefault(e.group, []).append(e)
    for group, members in by_group.items():
        if group == "unknown":  # imported runs of unknown task: ranking them would compare unlike work
            continue
        stars = star_ratings({e.model: e.wh_per_1k for e in members})
        for e in members:
            e.stars = stars[e.model]
    entries.sort(key=lambda e: (e.task, e.wh_per_1k, e.model))
    return entries
