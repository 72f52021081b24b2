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
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from wattprint.analysis.audit import summarize_flags
from wattprint.analysis.fits import GENERATION_TASKS, Fit, Point, linear_fit, loglog_fit
from wattprint.analysis.leaderboard import Entry, rate_and_sort
from wattprint.analysis.multipurpose import UNKNOWN_TASK, Ratio, base_task, is_multi_purpose_name, ratio_of
from wattprint.analysis.stars import size_class
from wattprint.analysis.stats import GroupStats, ci95, describe
from wattprint.results.columns import RunColumns

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


def _groups(keys: Sequence[Any]) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return out


def _model_groups(c: RunColumns) -> dict[tuple[str, str], list[int]]:
    """(task, model) -> run indices, in first-seen order (as the object path's dict)."""
    pairs = _groups(list(zip(c.task, c.model, strict=True)))
    return {(c.tasks[t], c.models[m]): idx for (t, m), idx in pairs.items()}


def by_task_columns(c: RunColumns) -> dict[str, GroupStats]:
    """:func:`wattprint.analysis.by_task` on columns."""
    out: dict[str, GroupStats] = {}
    groups = {c.tasks[t]: idx for t, idx in _groups(c.task).items()}
    for k in sorted(groups):
        idx = groups[k]
        wh = c.wh_per_1k
        energy = describe(wh[i] for i in idx)
        grams = [g for g in (c.grams(i) for i in idx) if g is not None]
        wh_total = sum(wh[i] for i in idx)
        measured = sum(wh[i] * c.measured_share[i] for i in idx) / wh_total if wh_total > 0 else 0.0
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
            models=len({c.model[i] for i in idx}),
            energy_wh_per_1k=energy,
            emissions_g_per_1k=emissions,
            measured_share=measured,
            origins=tuple(sorted({c.origins[c.origin[i]] for i in idx})),
        )
    return out


def task_values_columns(c: RunColumns) -> dict[str, list[tuple[str, float]]]:
    """Task -> (model, Wh per 1,000) of every run, in run order (the report's box plot)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for i in range(len(c)):
        out.setdefault(c.tasks[c.task[i]], []).append((c.models[c.model[i]], c.wh_per_1k[i]))
    return out


def _latest(c: RunColumns, idx: list[int]) -> int:
    """The first run of ``idx`` with the latest start (as ``max`` over datetimes picks it)."""
    started = c.started_at
    if len({len(started[i]) for i in idx}) == 1 and all(started[i].endswith("+00:00") for i in idx):
        return max(idx, key=started.__getitem__)  # one UTC format: text order is time order
    best, best_t = idx[0], datetime.fromisoformat(c.started_at[idx[0]])
    for i in idx[1:]:
        t = datetime.fromisoformat(c.started_at[i])
        if t > best_t:
            best, best_t = i, t
    return best


def _entry(c: RunColumns, task: str, model: str, idx: list[int]) -> Entry:
    vals = [c.wh_per_1k[i] for i in idx]
    mean = statistics.fmean(vals)
    ci = ci95(vals) if len(idx) > 1 else (c.ci95_low[idx[0]], c.ci95_high[idx[0]])
    lows = [c.bounds_low[i] for i in idx if c.bounds_low[i] == c.bounds_low[i]]  # NaN: none
    highs = [c.bounds_high[i] for i in idx if c.bounds_low[i] == c.bounds_low[i]]
    b = (statistics.fmean(lows), statistics.fmean(highs)) if lows else None
    grams = [g for g in (c.grams(i) for i in idx) if g is not None]
    params = next((c.parameters[i] for i in idx if c.parameters[i]), None)
    comps: dict[str, float] = {}
    n, values, offsets, shapes = len(idx), c.values, c.offsets, c.shapes
    for i in idx:
        start = offsets[i]
        for j, name in enumerate(shapes[c.shape[i]].components):
            comps[name] = comps.get(name, 0.0) + values[start + j] / n
    labels = {label for k in {c.shape[i] for i in idx} for label in shapes[k].labels}
    latest = _latest(c, idx)
    return Entry(
        task=task,
        model=model,
        runs=len(idx),
        datasets=sorted({c.datasets[c.dataset[i]] for i in idx}),
        wh_per_1k=mean,
        wh_per_1k_ci95=ci,
        wh_per_1k_bounds=b,
        g_co2e_per_1k=statistics.fmean(grams) if grams else None,
        measured_share=statistics.fmean(c.measured_share[i] for i in idx),
        parameters=params,
        size_class=size_class(task, params),
        hardware=c.hardwares[c.hardware[latest]],
        date=datetime.fromisoformat(c.started_at[latest]).date().isoformat(),
        origin="/".join(sorted({c.origins[c.origin[i]] for i in idx})),
        run_ids=[c.run_id[i] for i in idx],
        audited_share=statistics.fmean(c.audited_share[i] for i in idx),
        components_wh_per_1k=comps,
        provenance=sorted(labels),
    )


def leaderboard_columns(c: RunColumns) -> list[Entry]:
    """:func:`wattprint.analysis.leaderboard` on columns."""
    return rate_and_sort([_entry(c, t, m, idx) for (t, m), idx in _model_groups(c).items()])


def energy_vs_parameters_columns(c: RunColumns, task: str | None = None) -> tuple[list[Point], Fit | None]:
    """:func:`wattprint.analysis.energy_vs_parameters` on columns."""
    points = []
    for (t, model), idx in sorted(_model_groups(c).items()):
        if task is not None and t != task:
            continue
        params = next((c.parameters[i] for i in idx if c.parameters[i]), None)
        if not params:
            continue
        y = statistics.fmean(c.wh_per_1k[i] for i in idx)
        points.append(Point(label=model, task=t, x=float(params), y=y, runs=len(idx)))
    return points, loglog_fit([p.x for p in points], [p.y for p in points])


def energy_vs_output_length_columns(
    c: RunColumns, tasks: Sequence[str] = GENERATION_TASKS
) -> tuple[list[Point], Fit | None]:
    """:func:`wattprint.analysis.energy_vs_output_length` on columns."""
    wanted = {k for k, name in enumerate(c.tasks) if name in set(tasks)}
    points = []
    for i in range(len(c)):
        if c.task[i] not in wanted:
            continue
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
    for i in range(len(c)):
        task, dataset = c.tasks[c.task[i]], c.datasets[c.dataset[i]]
        if task == UNKNOWN_TASK or dataset.split(":", 1)[0] == UNKNOWN_TASK:
            continue
        key = (base_task(task), dataset)
        side = multi if multi_name[(c.task[i], c.model[i])] else spec
        side.setdefault(key, {}).setdefault(c.models[c.model[i]], []).append(c.wh_per_1k[i])
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
    per: dict[str, list[float]] = {}
    reasons: dict[str, str] = {}
    total: list[float] = []
    values, offsets, shapes = c.values, c.offsets, c.shapes
    for i, k in enumerate(c.shape):
        shape = shapes[k]
        if not shape.audit:
            continue
        start = offsets[i] + len(shape.components) + len(shape.provenance)
        for j, (comp, why) in enumerate(shape.audit):
            per.setdefault(comp, []).append(values[start + j])
            reasons.setdefault(comp, why)
        total.append(c.audited_share[i])
    return summarize_flags(len(c), per, reasons, total)


def provenance_summary_columns(c: RunColumns) -> dict[str, Any]:
    """``wattprint.report.data.provenance_summary`` on columns: Wh by component and provenance label."""
    by_label: dict[str, float] = {}
    measured = total = 0.0
    values, offsets, shapes = c.values, c.offsets, c.shapes
    keys = [[f"{comp}: {label}" for comp, label, _ in shape.provenance] for shape in shapes]
    for i, k in enumerate(c.shape):
        shape = shapes[k]
        start = offsets[i] + len(shape.components)
        for j, (_, _, is_measured) in enumerate(shape.provenance):
            wh = values[start + j]
            key = keys[k][j]
            by_label[key] = by_label.get(key, 0.0) + wh
            total += wh
            if is_measured:
                measured += wh
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
    memo: dict[tuple[int, float], str] = {}
    for i in range(len(c)):
        k = c.factor[i]
        if k < 0:
            continue
        mk = (k, c.intensity[i])
        key = memo.get(mk)
        if key is None:
            d = c.factors[k].model_dump(mode="json")
            d["intensity_g_per_kwh"] = float(f"{c.intensity[i]:.6g}")
            key = memo[mk] = repr(sorted(d.items()))
            seen.setdefault(key, d)
        counts[key] = counts.get(key, 0) + 1
    return [{**seen[k], "runs": counts[k]} for k in sorted(seen, key=lambda k: -counts[k])]
