"""The analysis of :mod:`wattprint.analysis` over :class:`RunColumns` instead of ``list[RunResult]``.

Each function here gives exactly (bit for bit) what its object counterpart gives on
the same runs in the same order: the same formulas (``statistics.fmean``, ``stdev``,
``median``, the same sums in the same order), over the stored per-run figures,
without building a :class:`RunResult` per run. Energy in Wh per 1,000 inferences,
carbon in g CO2e per 1,000 inferences, as everywhere in the analysis layer.

``tests/test_analysis_columnar.py`` compares both paths on a study-sized set of runs.
"""

from __future__ import annotations

import statistics
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import chain, compress, repeat
from math import fsum, isnan
from operator import add, eq, itemgetter, mul, truediv
from typing import Any

from wattprint.analysis.audit import summarize_flags
from wattprint.analysis.fits import GENERATION_TASKS, Fit, Point, linear_fit, loglog_fit
from wattprint.analysis.leaderboard import Entry, rate_and_sort
from wattprint.analysis.multipurpose import UNKNOWN_TASK, Ratio, base_task, is_multi_purpose_name, ratio_of
from wattprint.analysis.stars import size_class
from wattprint.analysis.stats import GroupStats, ci95, describe
from wattprint.results.columns import RunColumns, RunShape
from wattprint.results.exact import plain_sum

__all__ = [
    "audit_summary_columns",
    "by_task_columns",
    "carbon_factors_columns",
    "energy_vs_output_length_columns",
    "energy_vs_parameters_columns",
    "leaderboard_columns",
    "multi_vs_specific_columns",
    "provenance_summary_columns",
    "task_values_columns",
]


def _model_groups(c: RunColumns) -> dict[tuple[str, str], Sequence[int]]:
    """(task, model) -> run indices, in first-seen order (as the object path's dict)."""
    return {(c.tasks[t], c.models[m]): idx for (t, m), idx in c.groups("task", "model").items()}


def _getter(idx: Sequence[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function of a column giving ``(column[i] for i in idx)`` as a tuple, in one C call
    (``operator.itemgetter``, built once for the indices: gathering several columns of a group with it
    costs less than half of ``map`` over ``column.__getitem__``)."""
    if len(idx) == 1:
        i = idx[0]
        return lambda column: (column[i],)
    return itemgetter(*idx)


def _take(column: Sequence[Any], idx: Sequence[int]) -> list[Any]:
    """``[column[i] for i in idx]``, in a C loop."""
    return list(_getter(idx)(column))


def _only_shape(c: RunColumns) -> int | None:
    """The shape of every run when all runs have one shape (their numbers then lie at a fixed stride)."""
    groups = c.groups("shape")
    return next(iter(groups)) if len(groups) == 1 else None


def by_task_columns(c: RunColumns) -> dict[str, GroupStats]:
    """:func:`wattprint.analysis.by_task` on columns."""
    out: dict[str, GroupStats] = {}
    groups = {c.tasks[t]: idx for t, idx in c.groups("task").items()}
    for k in sorted(groups):
        idx = groups[k]
        take = _getter(idx)
        wh = take(c.wh_per_1k)
        energy = describe(wh)
        grams = _grams(c, idx, take)
        wh_total = sum(wh)
        measured = sum(map(mul, wh, take(c.measured_share))) / wh_total if wh_total > 0 else 0.0
        assert energy is not None
        emissions = describe(grams)
        if len(idx) == 1:
            i = idx[0]
            energy = replace(energy, ci95_low=c.ci95_low[i], ci95_high=c.ci95_high[i])
            if emissions is not None and c.factor[i] >= 0:
                f = c.factor_of(i)
                assert f is not None
                emissions = replace(emissions, ci95_low=f.grams(c.ci95_low[i]), ci95_high=f.grams(c.ci95_high[i]))
        out[k] = GroupStats(
            key=k,
            runs=len(idx),
            models=len(set(take(c.model))),
            energy_wh_per_1k=energy,
            emissions_g_per_1k=emissions,
            measured_share=measured,
            origins=tuple(sorted({c.origins[o] for o in set(take(c.origin))})),
        )
    return out


def _grams(c: RunColumns, idx: Sequence[int], take: Callable[[Sequence[Any]], Sequence[Any]]) -> Sequence[float]:
    """:meth:`RunColumns.grams_of` ``idx``, gathered with ``take`` (``_getter(idx)``) when every run has a factor."""
    every = c.grams_per_run()
    return c.grams_of(idx) if every is None else take(every)


def task_values_columns(c: RunColumns) -> dict[str, list[tuple[str, float]]]:
    """Task -> (model, Wh per 1,000) of every run, in run order (the report's box plot)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for t, idx in c.groups("task").items():
        take = _getter(idx)
        out[c.tasks[t]] = list(zip(map(c.models.__getitem__, take(c.model)), take(c.wh_per_1k), strict=True))
    return out


def _one_utc_format(texts: Sequence[str]) -> bool:
    """True when every start is written alike in UTC (same length, ``+00:00``): text order is time order."""
    return len(set(map(len, texts))) == 1 and all(map(str.endswith, texts, repeat("+00:00")))


def _latest(c: RunColumns, idx: Sequence[int], all_utc: bool = False) -> int:
    """The first run of ``idx`` (indices in run order) with the latest start (as ``max`` over datetimes picks
    it); ``all_utc``: every run's start is in one UTC format (:func:`_one_utc_format` of all runs)."""
    started = c.started_at
    if all_utc:  # text order is time order, and runs are in text order (the store sorts by started_at, run_id):
        last = len(idx) - 1  # the latest is the last run, or the first of those that started with it
        while last > 0 and started[idx[last - 1]] == started[idx[-1]]:
            last -= 1
        return idx[last]
    if _one_utc_format(_take(started, idx)):
        return max(idx, key=started.__getitem__)  # one UTC format: text order is time order
    best, best_t = idx[0], datetime.fromisoformat(c.started_at[idx[0]])
    for i in idx[1:]:
        t = datetime.fromisoformat(c.started_at[i])
        if t > best_t:
            best, best_t = i, t
    return best


def _entry(c: RunColumns, task: str, model: str, idx: Sequence[int],
           strided: list[array] | None = None, all_utc: bool = False) -> Entry:
    """One leaderboard row; ``strided``: component j of every run (when all runs have one shape);
    ``all_utc``: every run's start is in one UTC format."""
    take = _getter(idx)  # gathers this group's values of a column
    vals = take(c.wh_per_1k)
    mean = statistics.fmean(vals)
    ci = ci95(list(vals), mean) if len(idx) > 1 else (c.ci95_low[idx[0]], c.ci95_high[idx[0]])
    lows: Sequence[float] = take(c.bounds_low)
    if any(map(isnan, lows)):  # NaN: no bounds
        lows = [c.bounds_low[i] for i in idx if c.bounds_low[i] == c.bounds_low[i]]
        highs: Sequence[float] = [c.bounds_high[i] for i in idx if c.bounds_low[i] == c.bounds_low[i]]
    else:
        highs = take(c.bounds_high)
    b = (statistics.fmean(lows), statistics.fmean(highs)) if lows else None
    grams = _grams(c, idx, take)
    params = next(filter(None, take(c.parameters)), None)
    comps: dict[str, float] = {}
    n, values, offsets, shapes = len(idx), c.values, c.offsets, c.shapes
    run_shapes = set(take(c.shape))
    if len(run_shapes) == 1 and strided is not None:  # every run has this shape: component j at a stride
        for j, name in enumerate(shapes[next(iter(run_shapes))].components):
            comps[name] = plain_sum(map(truediv, take(strided[j]), repeat(n)))
    elif len(run_shapes) == 1:  # one shape: each component's values in run order, added in a C loop
        starts = take(offsets)
        for j, name in enumerate(shapes[next(iter(run_shapes))].components):
            comps[name] = plain_sum(map(truediv, map(values.__getitem__, map(add, starts, repeat(j))), repeat(n)))
    else:
        for i in idx:
            start = offsets[i]
            for j, name in enumerate(shapes[c.shape[i]].components):
                comps[name] = comps.get(name, 0.0) + values[start + j] / n
    labels = {label for k in run_shapes for label in shapes[k].labels}
    latest = _latest(c, idx, all_utc)
    return Entry(
        task=task,
        model=model,
        runs=len(idx),
        datasets=sorted({c.datasets[k] for k in set(take(c.dataset))}),
        wh_per_1k=mean,
        wh_per_1k_ci95=ci,
        wh_per_1k_bounds=b,
        g_co2e_per_1k=statistics.fmean(grams) if grams else None,
        measured_share=fsum(take(c.measured_share)) / len(idx),  # = statistics.fmean
        parameters=params,
        size_class=size_class(task, params),
        hardware=c.hardwares[c.hardware[latest]],
        date=datetime.fromisoformat(c.started_at[latest]).date().isoformat(),
        origin="/".join(sorted({c.origins[k] for k in set(take(c.origin))})),
        run_ids=list(take(c.run_id)),
        audited_share=fsum(take(c.audited_share)) / len(idx),
        components_wh_per_1k=comps,
        provenance=sorted(labels),
    )


def leaderboard_columns(c: RunColumns) -> list[Entry]:
    """:func:`wattprint.analysis.leaderboard` on columns."""
    only = _only_shape(c)
    strided = None
    if only is not None:
        shape = c.shapes[only]
        width = len(shape.components) + len(shape.provenance) + len(shape.audit)
        strided = [c.values[j::width] for j in range(len(shape.components))]
    all_utc = _one_utc_format(c.started_at)
    return rate_and_sort([_entry(c, t, m, idx, strided, all_utc) for (t, m), idx in _model_groups(c).items()])


def energy_vs_parameters_columns(c: RunColumns, task: str | None = None) -> tuple[list[Point], Fit | None]:
    """:func:`wattprint.analysis.energy_vs_parameters` on columns."""
    points = []
    for (t, model), idx in sorted(_model_groups(c).items()):
        if task is not None and t != task:
            continue
        params = next(filter(None, map(c.parameters.__getitem__, idx)), None)
        if not params:
            continue
        y = statistics.fmean(_take(c.wh_per_1k, idx))
        points.append(Point(label=model, task=t, x=float(params), y=y, runs=len(idx)))
    return points, loglog_fit([p.x for p in points], [p.y for p in points])


def energy_vs_output_length_columns(
    c: RunColumns, tasks: Sequence[str] = GENERATION_TASKS
) -> tuple[list[Point], Fit | None]:
    """:func:`wattprint.analysis.energy_vs_output_length` on columns."""
    wanted = {k for k, name in enumerate(c.tasks) if name in set(tasks)}
    points = []
    for i in sorted(i for k, idx in c.groups("task").items() if k in wanted for i in idx):
        tokens = c.output_tokens_per_inference[i]
        if not tokens:
            continue
        points.append(Point(label=c.models[c.model[i]], task=c.tasks[c.task[i]], x=tokens,
                            y=c.wh_per_1k[i], runs=1))
    points.sort(key=lambda p: (p.task, p.label, p.x, p.y))
    return points, linear_fit([p.x for p in points], [p.y for p in points])


def multi_vs_specific_columns(c: RunColumns, families: Sequence[str]) -> list[Ratio]:
    """:func:`wattprint.analysis.multi_vs_specific` on columns."""
    multi_name = {
        (t, m): is_multi_purpose_name(c.tasks[t], c.models[m], families)
        for t, m in set(zip(c.task, c.model, strict=True))
    }
    multi: dict[tuple[str, str], dict[str, list[float]]] = {}
    spec: dict[tuple[str, str], dict[str, list[float]]] = {}
    # only means of these lists are taken (fmean: an exactly rounded sum), so runs are gathered by group
    for (t, d, m), idx in c.groups("task", "dataset", "model").items():
        task, dataset = c.tasks[t], c.datasets[d]
        if task == UNKNOWN_TASK or dataset.split(":", 1)[0] == UNKNOWN_TASK:
            continue
        key = (base_task(task), dataset)
        side = multi if multi_name[(t, m)] else spec
        side.setdefault(key, {}).setdefault(c.models[m], []).extend(_take(c.wh_per_1k, idx))
    out = []
    for key in sorted(set(multi) & set(spec)):
        mm = {m: statistics.fmean(v) for m, v in sorted(multi[key].items())}
        sm = {m: statistics.fmean(v) for m, v in sorted(spec[key].items())}
        ratio = ratio_of(key, mm, sm)
        if ratio is not None:
            out.append(ratio)
    return out


def audit_summary_columns(c: RunColumns) -> dict[str, Any]:
    """:func:`wattprint.analysis.audit_summary` on columns."""
    # only counts, means (fmean: an exactly rounded sum), min and max are taken: runs are gathered by shape,
    # shapes in the order of their first run (so the example reason is the first run's); as float64 arrays
    # (copies of strided slices: no float object per value is kept)
    per: dict[str, array[float]] = {}
    reasons: dict[str, str] = {}
    total: array[float] = array("d")
    values, offsets, shapes = c.values, c.offsets, c.shapes
    for k, idx in c.groups("shape").items():
        shape = shapes[k]
        if not shape.audit:
            continue
        first = len(shape.components) + len(shape.provenance)
        width = first + len(shape.audit)
        strided = _only_shape(c) == k  # every run has this shape: run i's numbers are values[i*width:]
        starts = [] if strided else list(map(add, _take(offsets, idx), repeat(first)))
        for j, (comp, why) in enumerate(shape.audit):
            if strided:
                per.setdefault(comp, array("d")).extend(values[first + j::width])
            else:
                per.setdefault(comp, array("d")).extend(map(values.__getitem__, map(add, starts, repeat(j))))
            reasons.setdefault(comp, why)
        total.extend(c.audited_share if strided else _take(c.audited_share, idx))
    return summarize_flags(len(c), per, reasons, total)


def provenance_summary_columns(c: RunColumns) -> dict[str, Any]:
    """``wattprint.report.data.provenance_summary`` on columns: Wh by component and provenance label."""
    # the same additions in the same order as the object path (run by run, item by item), in C loops:
    # every run's provenance values end to end, with each value's label key and measured flag beside it
    values, offsets, shapes = c.values, c.offsets, c.shapes
    only = _only_shape(c)
    if only is not None:  # one shape: each item's values at a fixed stride, the sum of all by a mask
        return _provenance_one_shape(c, shapes[only])
    keys = [f"{comp}: {label}" for shape in shapes for comp, label, _ in shape.provenance]
    key_ids: dict[str, int] = {}
    first = 0
    shape_keys, shape_measured, skip, width = [], [], [], []
    for shape in shapes:
        n = len(shape.provenance)
        shape_keys.append(tuple(key_ids.setdefault(keys[first + j], len(key_ids)) for j in range(n)))
        shape_measured.append(tuple(m for _, _, m in shape.provenance))
        skip.append(len(shape.components))
        width.append(n)
        first += n
    starts = list(map(add, offsets[:-1], map(skip.__getitem__, c.shape)))
    flat = array("d")
    for part in map(values.__getitem__, map(slice, starts, map(add, starts, map(width.__getitem__, c.shape)))):
        flat.extend(part)
    flat_keys = array("l", chain.from_iterable(map(shape_keys.__getitem__, c.shape)))
    total = plain_sum(flat)
    measured = plain_sum(compress(flat, chain.from_iterable(map(shape_measured.__getitem__, c.shape))))
    seen = dict.fromkeys(chain.from_iterable(shape_keys[k] for k in dict.fromkeys(c.shape)))  # first-seen order
    names = {v: k for k, v in key_ids.items()}
    by_label: dict[str, float] = {
        names[kid]: plain_sum(compress(flat, map(eq, flat_keys, repeat(kid)))) for kid in seen}
    return provenance_doc(by_label, total, measured)


def _provenance_one_shape(c: RunColumns, shape: RunShape) -> dict[str, Any]:
    """:func:`provenance_summary_columns` when every run has ``shape``: the same additions, same order."""
    skip, n = len(shape.components), len(shape.provenance)
    width = skip + n + len(shape.audit)
    values = c.values

    def items(at: list[int]) -> Iterable[float]:  # provenance items ``at`` of every run: run after run, item after item
        if len(at) == 1:
            return values[skip + at[0]::width]
        return chain.from_iterable(zip(*(values[skip + j::width] for j in at), strict=True))  # interleaved

    slots: dict[str, list[int]] = {}
    for j, (comp, label, _) in enumerate(shape.provenance):
        slots.setdefault(f"{comp}: {label}", []).append(j)
    by_label = {key: plain_sum(items(js)) for key, js in slots.items()}
    total = plain_sum(items(list(range(n))))
    measured = plain_sum(items([j for j, (_, _, m) in enumerate(shape.provenance) if m]))
    return provenance_doc(by_label, total, measured)


def provenance_doc(by_label: dict[str, float], total: float, measured: float) -> dict[str, Any]:
    """The provenance summary (the report's ``provenance`` block) from its sums in Wh; one place for its shape."""
    return {
        "total_wh": total,
        "measured_share": measured / total if total else 0.0,
        "by_component": [
            {"component": k.split(": ", 1)[0], "provenance": k.split(": ", 1)[1], "wh": v,
             "share": v / total if total else 0.0}
            for k, v in sorted(by_label.items(), key=lambda kv: -kv[1])
        ],
    }


def carbon_factors_columns(c: RunColumns) -> list[dict[str, Any]]:
    """The distinct carbon factors and how many runs use each (most used first)."""
    seen: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    if len(c) and len(set(c.factor)) == 1:  # one factor (an import): count intensities alone, no pair per run
        k0 = c.factor[0]
        pairs: dict[tuple[int, float], int] = {(k0, intensity): n for intensity, n in Counter(c.intensity).items()}
    else:
        pairs = Counter(zip(c.factor, c.intensity, strict=True))
    for (k, intensity), n in pairs.items():  # first-seen order
        if k < 0:
            continue
        d = c.factors[k].model_dump(mode="json")
        d["intensity_g_per_kwh"] = float(f"{intensity:.6g}")
        key = repr(sorted(d.items()))
        seen.setdefault(key, d)
        counts[key] = counts.get(key, 0) + n
    return [{**seen[k], "runs": counts[k]} for k in sorted(seen, key=lambda k: -counts[k])]
