"""Plotly figure specifications (plain dicts: data + layout) for the HTML report.

Plotly.js draws them in the browser from the copy embedded in the page; this
module only builds JSON-able dicts. Every label that comes from a run (model,
task, dataset names) is HTML-escaped, because plotly renders a subset of HTML
in text.
"""

from __future__ import annotations

import statistics
from html import escape
from operator import itemgetter
from typing import Any

from wattprint.report.data import ReportData
from wattprint.report.fmt import params, sig

__all__ = ["PALETTE", "task_colors", "energy_per_task", "energy_vs_parameters", "energy_vs_length",
           "multi_purpose", "pareto_plots"]

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#e7969c", "#6b6ecf", "#bd9e39"]

_FONT = {"family": "Inter, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif", "size": 13,
         "color": "#1d2433"}


def task_colors(tasks: list[str]) -> dict[str, str]:
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(sorted(set(tasks)))}


def plot_layout(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "font": _FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#fbfcfe",
        "margin": {"l": 70, "r": 20, "t": 20, "b": 60},
        "hoverlabel": {"bgcolor": "#fff", "bordercolor": "#c5ccd8", "font": {"color": "#1d2433"}},
        "legend": {"orientation": "h", "y": -0.2},
    }
    base.update(kw)
    return base


def plot_axis(title: str, log: bool = False, **kw: Any) -> dict[str, Any]:
    ax = {"title": {"text": title}, "gridcolor": "#e3e7ee", "zeroline": False, "linecolor": "#c5ccd8",
          "automargin": True}
    if log:
        ax.update(type="log", exponentformat="power")  # plotly picks ticks: a decade or less still gets numbers
    ax.update(kw)
    return ax


#: above this many runs a task's box is drawn from its quartiles, without the points
BOX_POINTS_MAX = 5000


def energy_per_task(d: ReportData) -> dict[str, Any]:
    """Box plot of per-run Wh per 1,000 inferences per task, log scale, tasks ordered by median.

    A task with more than :data:`BOX_POINTS_MAX` runs gets a precomputed box (quartiles,
    whiskers at min and max) instead of every run's value."""
    colors = task_colors(list(d.task_values))
    ordered = {t: sorted(map(itemgetter(1), vals)) for t, vals in d.task_values.items()}  # each task's, sorted once
    order = sorted(d.task_values, key=lambda t: statistics.median(ordered[t]))
    traces: list[dict[str, Any]] = []
    for t in order:
        vals = d.task_values[t]
        if len(vals) > BOX_POINTS_MAX:  # precomputed box: the page stays small for a million runs
            ys = ordered[t]
            q1, med, q3 = statistics.quantiles(ys, n=4, method="inclusive")
            traces.append({
                "type": "box", "name": escape(t), "x": [escape(t)], "q1": [q1], "median": [med], "q3": [q3],
                "lowerfence": [ys[0]], "upperfence": [ys[-1]],
                "marker": {"color": colors[t]}, "line": {"color": colors[t]}, "fillcolor": colors[t] + "33",
                "hovertemplate": f"{len(ys):,} runs; whiskers: min and max<extra>" + escape(t) + "</extra>",
            })
            continue
        traces.append({
            "type": "box",
            "name": escape(t),
            "y": [v for _, v in vals],
            "text": [escape(m) for m, _ in vals],
            "boxpoints": "all" if len(vals) <= 400 else "outliers",
            "jitter": 0.4,
            "pointpos": 0,
            "marker": {"color": colors[t], "size": 4, "opacity": 0.55},
            "line": {"color": colors[t]},
            "fillcolor": colors[t] + "33",
            "hovertemplate": "%{text}<br>%{y:.3g} Wh / 1,000<extra>" + escape(t) + "</extra>",
        })
    return {"data": traces, "layout": plot_layout(
        showlegend=False,
        yaxis=plot_axis("Wh per 1,000 inferences (log)", log=True),
        xaxis=plot_axis("", tickangle=-30),
        margin={"l": 70, "r": 20, "t": 20, "b": 110},
    )}


def energy_vs_parameters(d: ReportData) -> dict[str, Any] | None:
    """Scatter of model mean Wh/1k against parameter count, log-log, with the overall least-squares line."""
    if not d.params_points:
        return None
    colors = task_colors(list(d.task_values) or [p.task for p in d.params_points])
    traces = []
    for t in sorted({p.task for p in d.params_points}):
        pts = [p for p in d.params_points if p.task == t]
        traces.append({
            "type": "scatter", "mode": "markers", "name": escape(t),
            "x": [p.x for p in pts], "y": [p.y for p in pts],
            "text": [f"{escape(p.label)}<br>{params(int(p.x))} params, {p.runs} runs" for p in pts],
            "marker": {"color": colors[t], "size": 9, "opacity": 0.85, "line": {"color": "#fff", "width": 1}},
            "hovertemplate": "%{text}<br>%{y:.3g} Wh / 1,000<extra>" + escape(t) + "</extra>",
        })
    f = d.params_fit
    if f is not None:
        xs = sorted(p.x for p in d.params_points)
        lo, hi = xs[0], xs[-1]
        traces.append({
            "type": "scatter", "mode": "lines", "name": f"fit: slope {f.slope:.2f}, r\u00b2 {f.r2:.2f}",
            "x": [lo, hi], "y": [f.predict(lo), f.predict(hi)],
            "line": {"color": "#1d2433", "dash": "dash", "width": 1.5}, "hoverinfo": "skip",
        })
    return {"data": traces, "layout": plot_layout(
        xaxis=plot_axis("parameters (log)", log=True), yaxis=plot_axis("Wh per 1,000 inferences (log)", log=True),
        legend={"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left"},
        margin={"l": 70, "r": 20, "t": 20, "b": 60},
    )}


def energy_vs_length(d: ReportData) -> dict[str, Any] | None:
    """Scatter of run Wh/1k against output tokens per inference (generation tasks), with a linear fit."""
    if not d.length_points:
        return None
    colors = task_colors(list(d.task_values) or [p.task for p in d.length_points])
    traces = []
    for t in sorted({p.task for p in d.length_points}):
        pts = [p for p in d.length_points if p.task == t]
        traces.append({
            "type": "scatter", "mode": "markers", "name": escape(t),
            "x": [p.x for p in pts], "y": [p.y for p in pts], "text": [escape(p.label) for p in pts],
            "marker": {"color": colors[t], "size": 8, "opacity": 0.8},
            "hovertemplate": "%{text}<br>%{x:.3g} tokens: %{y:.3g} Wh / 1,000<extra></extra>",
        })
    f = d.length_fit
    if f is not None:
        xs = sorted(p.x for p in d.length_points)
        traces.append({
            "type": "scatter", "mode": "lines", "name": f"fit: {sig(f.slope)} Wh/1k per token, r\u00b2 {f.r2:.2f}",
            "x": [xs[0], xs[-1]], "y": [f.predict(xs[0]), f.predict(xs[-1])],
            "line": {"color": "#1d2433", "dash": "dash", "width": 1.5}, "hoverinfo": "skip",
        })
    return {"data": traces, "layout": plot_layout(
        xaxis=plot_axis("output tokens per inference"), yaxis=plot_axis("Wh per 1,000 inferences"),
    )}


def multi_purpose(d: ReportData) -> dict[str, Any] | None:
    """Grouped bars: task-specific vs multi-purpose mean Wh/1k per (task, dataset), log scale,
    error bars spanning the models' means (extreme ratios)."""
    if not d.multi:
        return None
    xs = [f"{escape(r.task)}<br>{escape(r.dataset)}" for r in d.multi]
    spec = [r.specific_wh_per_1k for r in d.multi]
    multi = [r.multi_wh_per_1k for r in d.multi]
    return {"data": [
        {"type": "bar", "name": "task-specific (mean of models)", "x": xs, "y": spec, "marker": {"color": "#66bd63"},
         "hovertemplate": "%{y:.3g} Wh / 1,000<extra>task-specific</extra>"},
        {"type": "bar", "name": "multi-purpose (mean of models)", "x": xs, "y": multi, "marker": {"color": "#d73027"},
         "text": [f"\u00d7{r.ratio:.1f}" for r in d.multi], "textposition": "outside",
         "customdata": [[r.ratio_min, r.ratio_max] for r in d.multi],
         "hovertemplate": "%{y:.3g} Wh / 1,000, %{text} (models: \u00d7%{customdata[0]:.1f} to "
                          "\u00d7%{customdata[1]:.1f})<extra>multi-purpose</extra>"},
    ], "layout": plot_layout(
        barmode="group", yaxis=plot_axis("Wh per 1,000 inferences (log)", log=True), xaxis=plot_axis(""),
        margin={"l": 70, "r": 20, "t": 30, "b": 90},
    )}


def intensity_over_runs(d: ReportData) -> dict[str, Any] | None:
    """Grid intensity (g CO2e/kWh) over each run's time, for runs whose time met two or more series points."""
    traces = []
    for row in d.timed:
        if len(row["trace"]) < 2:
            continue
        # a step series holds each value until the next point: draw it as steps, ending at the run's end
        xs = [t for t, _ in row["trace"]] + [row["end"]]
        ys = [v for _, v in row["trace"]] + [row["trace"][-1][1]]
        traces.append({
            "type": "scatter", "mode": "lines", "line": {"shape": "hv"},
            "name": escape(f"{row['task']} / {row['model']} ({row['run_id'][:8]})"),
            "x": xs, "y": ys,
            "hovertemplate": "%{x}<br>%{y:.4g} g CO2e/kWh<extra></extra>",
        })
    if not traces:
        return None
    return {"data": traces, "layout": plot_layout(
        yaxis=plot_axis("grid intensity (g CO2e/kWh)"), xaxis=plot_axis("time (UTC)"),
    )}


def _ci(pair: tuple[float, float] | None, value: float | None) -> tuple[float, float]:
    """(minus, plus) error-bar lengths around ``value`` (0 when there is no interval)."""
    if pair is None or value is None:
        return 0.0, 0.0
    return max(0.0, value - pair[0]), max(0.0, pair[1] - value)


def pareto_plots(d: ReportData) -> list[tuple[str, dict[str, Any]]]:
    """One figure per (task, dataset) with quality: log energy (x) vs quality (y), both 95% intervals as error
    bars, task-specific and multi-purpose models apart, the Pareto front drawn as a step line."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for p in d.quality:
        if p.quality is not None:
            groups.setdefault((p.task, p.dataset), []).append(p)
    out = []
    for (task, dataset), pts in sorted(groups.items()):
        metric = pts[0].metric
        traces = []
        for multi, name, color in ((False, "task-specific", "#1a9850"), (True, "multi-purpose", "#d73027")):
            sel = [p for p in pts if p.multi_purpose == multi]
            if not sel:
                continue
            ex = [_ci(p.wh_per_1k_ci95, p.wh_per_1k) for p in sel]
            ey = [_ci(p.quality_ci95, p.quality) for p in sel]
            text = []
            for p in sel:
                qci = f" (95% {sig(p.quality_ci95[0])}\u2013{sig(p.quality_ci95[1])})" if p.quality_ci95 else ""
                per = f"<br>{sig(p.wh_per_1k_correct)} Wh / 1,000 correct" if p.wh_per_1k_correct else ""
                src = f", {escape(p.quality_source or '')}" if p.quality_source != "measured-outputs" else ""
                text.append(f"<b>{escape(p.model)}</b><br>{escape(metric)} {sig(p.quality)}{qci}{src}<br>"
                            f"{sig(p.wh_per_1k)} Wh / 1,000 (95% {sig(p.wh_per_1k_ci95[0])}\u2013"
                            f"{sig(p.wh_per_1k_ci95[1])}){per}{'<br>on the Pareto front' if p.on_front else ''}")
            traces.append({
                "type": "scatter", "mode": "markers", "name": name,
                "x": [p.wh_per_1k for p in sel], "y": [p.quality for p in sel], "text": text,
                "error_x": {"type": "data", "symmetric": False, "array": [e[1] for e in ex],
                            "arrayminus": [e[0] for e in ex], "thickness": 1, "color": "#8a94a6"},
                "error_y": {"type": "data", "symmetric": False, "array": [e[1] for e in ey],
                            "arrayminus": [e[0] for e in ey], "thickness": 1, "color": "#8a94a6"},
                "marker": {"color": color, "size": 10, "line": {"color": "#fff", "width": 1},
                           "symbol": ["diamond" if p.on_front else "circle" for p in sel]},
                "hovertemplate": "%{text}<extra></extra>",
            })
        front = sorted((p for p in pts if p.on_front), key=lambda p: p.wh_per_1k)
        if len(front) > 1:
            traces.append({"type": "scatter", "mode": "lines", "name": "Pareto front", "hoverinfo": "skip",
                           "x": [p.wh_per_1k for p in front], "y": [p.quality for p in front],
                           "line": {"color": "#1d2433", "dash": "dot", "width": 1.5, "shape": "hv"}})
        title = f"{task} on {dataset}"
        out.append((title, {"data": traces, "layout": plot_layout(
            xaxis=plot_axis("Wh per 1,000 inferences (log)", log=True), yaxis=plot_axis(escape(metric)),
            margin={"l": 70, "r": 20, "t": 20, "b": 60},
        )}))
    return out
