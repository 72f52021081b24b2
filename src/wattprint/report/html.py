"""A self-contained HTML report: no CDN, no external request, works offline.

Plotly.js is embedded in the page (from the installed ``plotly`` package); the
leaderboard sorts and filters with a few lines of vanilla JS; energy labels are
inline SVG. Every string that comes from a run is escaped: names go through
``html.escape`` in markup and through escaped JSON inside ``<script>``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from wattprint.analysis import DEFAULT_FAMILIES
from wattprint.analysis.leaderboard import Entry
from wattprint.errors import WattprintError
from wattprint.report import figures
from wattprint.report.data import ReportData, build_report
from wattprint.report.fmt import params, pct, sig
from wattprint.report.labels import energy_label_svg
from wattprint.results.atomic import check_output_file, prepare_output_dir, write_text_atomic
from wattprint.results.schema import MEASURED_SHARE_MIN, RunResult

__all__ = ["write_html_report", "write_html", "render_html"]


def read_asset(name: str) -> str:
    return resources.files("wattprint.report").joinpath("assets").joinpath(name).read_text(encoding="utf-8")


def plotly_source() -> str | None:
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        return None
    return str(get_plotlyjs())


def script_json(obj: Any) -> str:
    """JSON safe inside <script>: no '<', '>', '&' or line separators left unescaped."""
    s = json.dumps(obj, separators=(",", ":"), allow_nan=False, default=float)
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _stars_html(n: int | None) -> str:
    if n is None:
        return '<span class="stars s0" title="not rated: one model in its group">\u2013</span>'
    star = "\u2605"
    return (f'<span class="stars s{n}" title="{n} of 5 stars">' + star * n
            + '<span class="off">' + star * (5 - n) + "</span></span>")


def _num(value: float | None, ci: tuple[float, float] | None = None, extra: str = "") -> str:
    v = "" if value is None else repr(float(value))
    inner = escape(sig(value))
    if ci is not None:
        inner += f'<span class="ci">CI {escape(sig(ci[0]))}\u2013{escape(sig(ci[1]))}{escape(extra)}</span>'
    return f'<td class="num" data-v="{v}">{inner}</td>'


def _measured_badge(share: float) -> str:
    if share >= MEASURED_SHARE_MIN:
        return '<span class="badge m">measured</span>'
    return f'<span class="badge e" title="share of energy from a model, not a sensor">{pct(1 - share)} estimated</span>'


def _plot(div_id: str, fig: dict[str, Any] | None, empty: str) -> tuple[str, dict[str, Any] | None]:
    if fig is None:
        return f'<p class="muted">{escape(empty)}</p>', None
    return f'<div class="plot" id="{div_id}"></div>', fig


def _task_table(d: ReportData) -> str:
    rows = []
    for t, st in d.tasks.items():
        e, g = st.energy_wh_per_1k, st.emissions_g_per_1k
        rows.append(
            f"<tr><td>{escape(t)}</td><td class='num' data-v='{st.runs}'>{st.runs}</td>"
            f"<td class='num' data-v='{st.models}'>{st.models}</td>"
            + _num(e.mean, (e.ci95_low, e.ci95_high))
            + _num(e.std) + _num(e.median)
            + f"<td class='num' data-v='{e.min!r}'>{escape(sig(e.min))} \u2013 {escape(sig(e.max))}</td>"
            + (_num(g.mean, (g.ci95_low, g.ci95_high)) if g else "<td class='num'>-</td>")
            + f"<td data-v='{st.measured_share!r}'>{_measured_badge(st.measured_share)}</td></tr>"
        )
    return (
        '<table class="sortable" id="task-table"><thead><tr>'
        '<th data-sort>task</th><th class="num" data-sort>runs</th><th class="num" data-sort>models</th>'
        '<th class="num" data-sort>mean Wh / 1k</th><th class="num" data-sort>std</th>'
        '<th class="num" data-sort>median</th><th class="num" data-sort>min \u2013 max</th>'
        '<th class="num" data-sort>g CO2e / 1k</th><th data-sort>provenance</th></tr></thead><tbody>'
        + "".join(rows) + "</tbody></table>"
    )


def _task_select(tasks: Sequence[str]) -> str:
    opts = "".join(f'<option value="{escape(t, quote=True)}">{escape(t)}</option>' for t in sorted(set(tasks)))
    return f'<select data-filter="task" aria-label="task"><option value="">all tasks</option>{opts}</select>'


def _quality_cells(d: ReportData) -> dict[tuple[str, str], tuple[float | None, str]]:
    """(task, model) -> (sort value, cell text) of the leaderboard's quality column: metric and value per dataset,
    and energy per 1,000 correct answers where the metric counts correct answers."""
    from wattprint.analysis.multipurpose import base_task

    cells: dict[tuple[str, str], list[Any]] = {}
    for p in d.quality:
        if p.quality is not None:
            cells.setdefault((p.task, p.model), []).append(p)
    out = {}
    for e in d.leaderboard:
        pts = cells.get((base_task(e.task), e.model), [])
        if pts:
            text = "; ".join(f"{p.metric} {sig(p.quality)} ({p.dataset})"
                             + (f", {sig(p.wh_per_1k_correct)} Wh/1k correct" if p.wh_per_1k_correct else "")
                             for p in pts)
            out[(e.task, e.model)] = (pts[0].quality, text)
    return out


def _leaderboard(entries: list[Entry], quality: dict[tuple[str, str], tuple[float | None, str]] | None = None) -> str:
    quality = quality or {}
    rows = []
    for e in entries:
        qv, qtext = quality.get((e.task, e.model), (None, "-"))
        search = escape(f"{e.model} {e.task} {e.hardware}", quote=True)
        prov = escape("; ".join(e.provenance), quote=True)
        bounds = ""
        if e.wh_per_1k_bounds:
            bounds = f" \u00b7 bounds {sig(e.wh_per_1k_bounds[0])}\u2013{sig(e.wh_per_1k_bounds[1])}"
        rows.append(
            f'<tr data-task="{escape(e.task, quote=True)}" data-search="{search}">'
            f'<td data-v="{e.stars if e.stars is not None else 0}">{_stars_html(e.stars)}</td>'
            f'<td class="model">{escape(e.model)}</td><td>{escape(e.group)}</td>'
            f'<td class="num" data-v="{e.parameters or 0}">{escape(params(e.parameters))}</td>'
            + _num(e.wh_per_1k, e.wh_per_1k_ci95, bounds)
            + _num(e.g_co2e_per_1k)
            + f'<td class="small" data-v="{qv if qv is not None else -1e300!r}">{escape(qtext)}</td>'
            + f'<td data-v="{e.measured_share!r}" title="{prov}">{_measured_badge(e.measured_share)}</td>'
            f"<td class='small'>{escape(e.hardware)}</td>"
            f"<td class='num' data-v='{e.runs}'>{e.runs}</td><td class='small'>{escape(e.date)}</td></tr>"
        )
    return (
        '<div data-filter-scope><div class="controls">' + _task_select([e.task for e in entries])
        + '<input type="search" data-filter="text" placeholder="filter models, hardware\u2026" aria-label="filter">'
        '<span class="count"></span></div>'
        '<table class="sortable" id="leaderboard"><thead><tr>'
        '<th data-sort>stars</th><th data-sort>model</th><th data-sort>task (group)</th>'
        '<th class="num" data-sort>params</th><th class="num" data-sort>Wh / 1k</th>'
        '<th class="num" data-sort>g CO2e / 1k</th><th data-sort>quality</th>'
        '<th data-sort>provenance</th><th data-sort>hardware</th>'
        '<th class="num" data-sort>runs</th><th data-sort>date</th></tr></thead><tbody>'
        + "".join(rows) + '</tbody></table><button class="more" type="button">show more</button></div>'
    )


def _labels(entries: list[Entry]) -> str:
    cards = "".join(
        f'<div data-task="{escape(e.task, quote=True)}" data-search="{escape(e.model, quote=True)}">'
        f"{energy_label_svg(e)}</div>"
        for e in sorted(entries, key=lambda e: (e.task, -(e.stars or 0), e.wh_per_1k, e.model))
    )
    return (
        '<div data-filter-scope><div class="controls">' + _task_select([e.task for e in entries])
        + '<input type="search" data-filter="text" placeholder="model\u2026" aria-label="model">'
        '<span class="count"></span></div>'
        f'<div class="labels">{cards}</div></div>'
    )


def _multi_table(d: ReportData) -> str:
    if not d.multi:
        return ""
    rows = "".join(
        f"<tr><td>{escape(r.task)}</td><td>{escape(r.dataset)}</td>"
        f"<td class='num'>{r.specific_models}</td><td class='num'>{r.multi_models}</td>"
        + _num(r.specific_wh_per_1k) + _num(r.multi_wh_per_1k)
        + f"<td class='num' data-v='{r.ratio!r}'><b>\u00d7{r.ratio:.1f}</b>"
        f"<span class='ci'>models \u00d7{r.ratio_min:.1f} \u2013 \u00d7{r.ratio_max:.1f}; "
        f"extremes \u00d7{r.ratio_extreme_low:.2f} \u2013 \u00d7{r.ratio_extreme_high:.0f}</span></td></tr>"
        for r in d.multi
    )
    return (
        '<table class="sortable" id="multi-table"><thead><tr><th data-sort>task</th><th data-sort>dataset</th>'
        '<th class="num" data-sort>task-specific models</th><th class="num" data-sort>multi-purpose models</th>'
        '<th class="num" data-sort>task-specific Wh / 1k</th><th class="num" data-sort>multi-purpose Wh / 1k</th>'
        '<th class="num" data-sort>ratio</th></tr></thead><tbody>' + rows + "</tbody></table>"
    )


#: equivalents shown as columns, when the carbon layer offers them (others go to the footnote list)
EQUIVALENT_COLUMNS = ("phone-charge", "led-bulb-hour", "google-search", "car-km")


def _equivalents(d: ReportData) -> str:
    if not d.equivalents:
        return f'<p class="muted">{escape(d.equivalents_note)}</p>'
    first = next(iter(d.equivalents.values()))
    cols = [e for e in first if e.get("id") in EQUIVALENT_COLUMNS] or first[:4]
    col_ids = [c.get("id") for c in cols]
    head = "".join(f"<th class='num'>{escape(str(c.get('name')))}</th>" for c in cols)
    rows = []
    for task, eqs in d.equivalents.items():
        st = d.tasks[task]
        by_id = {e.get("id"): e for e in eqs}
        g = st.emissions_g_per_1k.mean if st.emissions_g_per_1k else None
        cells = "".join(_num(by_id[i]["value"]) if i in by_id else "<td>-</td>" for i in col_ids)
        rows.append(f"<tr><td>{escape(task)}</td>{_num(st.energy_wh_per_1k.mean)}{_num(g)}{cells}</tr>")
    sources = "".join(
        f"<li><b>{escape(str(c.get('name')))}</b>: {escape(str(c.get('source') or ''))}"
        f"{' (' + escape(str(c.get('year'))) + ')' if c.get('year') else ''}</li>"
        for c in cols
    )
    return (
        f'<p class="lede">{escape(d.equivalents_note)}. Energy-based equivalents do not depend on the grid; '
        "carbon-based ones use each run's carbon factor.</p><table><thead><tr><th>task</th>"
        f'<th class="num">Wh / 1k</th><th class="num">g CO2e / 1k</th>{head}</tr></thead><tbody>'
        + "".join(rows) + f"</tbody></table><ul class='small muted'>{sources}</ul>"
    )


def _provenance(d: ReportData) -> str:
    p, a = d.provenance, d.audit
    comp_rows = "".join(
        f"<tr><td>{escape(c['component'])}</td><td>{escape(c['provenance'])}</td>"
        f"{_num(c['wh'])}<td class='num'>{pct(c['share'])}</td></tr>"
        for c in p["by_component"]
    )
    factor_rows = "".join(
        f"<tr><td class='num'>{escape(sig(f['intensity_g_per_kwh']))}</td><td>{escape(str(f['region']))}</td>"
        f"<td>{escape(str(f.get('source') or ''))}</td><td>{escape(str(f.get('year') or '-'))}</td>"
        f"<td>{escape(str(f.get('pue')))}</td><td class='num'>{f['runs']}</td></tr>"
        for f in d.carbon_factors
    )
    audit = ""
    if a["flagged"]:
        arows = "".join(
            f"<tr><td>{escape(c)}</td><td class='num'>{v['runs']}</td><td class='num'>{pct(v['mean_share'])}</td>"
            f"<td class='num'>{pct(v['min_share'])} \u2013 {pct(v['max_share'])}</td>"
            f"<td class='small'>{escape(v['example_reason'])}</td></tr>"
            for c, v in a["components"].items()
        )
        audit = (
            f'<h3>Audit of imported logs</h3><div class="note">{a["flagged"]} of {a["runs"]} runs carry components '
            f"that were guessed rather than measured; on average {pct(a['mean_guessed_share'])} of such a run's "
            "energy is guessed.</div><table><thead><tr><th>component</th><th class='num'>runs</th>"
            "<th class='num'>mean share</th><th class='num'>range</th><th>why (example)</th></tr></thead><tbody>"
            + arows + "</tbody></table>"
        )
    return (
        f'<p class="lede">{pct(p["measured_share"])} of all {escape(sig(p["total_wh"]))} Wh in this report comes '
        "from hardware sensors; the rest is modelled (TDP tables, per-GB rules) and is never shown as measured. "
        "Intervals: 95% CI is Student-t over repeats (or over runs for a model); provenance bounds add the "
        "meters' stated uncertainty.</p>"
        '<div class="grid2"><div><h3>Energy by component and provenance</h3><table><thead><tr><th>component</th>'
        "<th>provenance</th><th class='num'>Wh</th><th class='num'>share</th></tr></thead><tbody>"
        + comp_rows + "</tbody></table></div><div><h3>Carbon factors applied</h3><table><thead><tr>"
        "<th class='num'>g / kWh</th><th>region</th><th>source</th><th>year</th><th>PUE</th><th class='num'>runs</th>"
        "</tr></thead><tbody>" + factor_rows + "</tbody></table></div></div>" + audit
    )


def _timed_section(d: ReportData, plot: str) -> str:
    """Carbon with the intensity each run met, next to the flat factor's; the intensity over the runs' time."""
    if not d.timed:
        return ""
    rows = "".join(
        f"<tr><td>{escape(r['run_id'][:8])}</td><td>{escape(r['task'])}</td><td>{escape(r['model'])}</td>"
        f"<td class='num'>{sig(r['flat_g_per_1k']) if r['flat_g_per_1k'] is not None else '-'}</td>"
        f"<td class='num'>{sig(r['timed_g_per_1k']) if r['timed_g_per_1k'] is not None else '-'}</td>"
        f"<td class='num'>{sig(r['mean_intensity_g_per_kwh'])}</td><td>{escape(r['series'])}</td></tr>"
        for r in d.timed)
    return ("<h3>Carbon with the intensity of each run's hours</h3><p class='lede'>g CO2e per 1,000 inferences at "
            "the flat factor and with the intensity series, energy spread evenly over each measured window.</p>"
            + plot + "<table><thead><tr><th>run</th><th>task</th><th>model</th><th class='num'>flat g/1k</th>"
            "<th class='num'>timed g/1k</th><th class='num'>g/kWh met</th><th>series</th></tr></thead><tbody>"
            + rows + "</tbody></table>")


def _quality_section(d: ReportData, plots: list[str]) -> str:
    """Energy vs quality: one Pareto plot per task and dataset, or a note saying how to get quality."""
    if not plots:
        return ('<p class="muted">No run carries a quality figure: run with a labelled dataset '
                "(--label-column) or attach figures with wattprint import quality FILE.</p>")
    missing = sorted({p.model for p in d.quality if p.quality is None})
    note = (f'<p class="note">No quality figure for: {escape(", ".join(missing))}.</p>' if missing else "")
    return "".join(plots) + note


def render_html(d: ReportData, title: str = "wattprint report", serving_page: str | None = None) -> str:
    """The whole page as one string; ``serving_page``: the serving runs' page beside it (linked relatively)."""
    plotly_js = plotly_source()
    figs: dict[str, dict[str, Any]] = {}
    blocks: dict[str, str] = {}
    for div_id, fig, empty in (
        ("plot-task", figures.energy_per_task(d) if d.task_values else None, "no runs"),
        ("plot-params", figures.energy_vs_parameters(d), "no runs with a known parameter count"),
        ("plot-length", figures.energy_vs_length(d), "no generation runs with output token counts"),
        ("plot-multi", figures.multi_purpose(d), "no task and dataset with both multi-purpose and task-specific runs"),
        ("plot-timed", figures.intensity_over_runs(d), "no run spans more than one point of its intensity series"),
    ):
        html_block, f = _plot(div_id, fig, empty)
        blocks[div_id] = html_block
        if f is not None:
            figs[div_id] = f
    pareto_blocks = []
    for i, (name, fig) in enumerate(figures.pareto_plots(d)):
        div_id = f"plot-pareto-{i}"
        pareto_blocks.append(f"<h3>{escape(name)}</h3>" + _plot(div_id, fig, "")[0])
        figs[div_id] = fig
        blocks[div_id] = pareto_blocks[-1]
    if plotly_js is None and figs:
        for k in figs:
            blocks[k] = '<p class="note">Charts need plotly: pip install "wattprint[report]".</p>'
        figs = {}

    n_models = len({e.model for e in d.leaderboard})
    fit = d.params_fit
    fit_text = (
        f"Log-log least squares over {fit.n} models: energy \u221d parameters<sup>{fit.slope:.2f}</sup>, "
        f"r\u00b2 = {fit.r2:.2f}." if fit else ""
    )
    per_task_fits = "".join(
        f"<tr><td>{escape(t)}</td><td class='num'>{f.n}</td><td class='num'>{f.slope:.2f}</td>"
        f"<td class='num'>{f.r2:.2f}</td></tr>" for t, f in d.params_fits_by_task.items()
    )
    if per_task_fits:
        per_task_fits = ("<table><thead><tr><th>task</th><th class='num'>models</th><th class='num'>slope</th>"
                         "<th class='num'>r\u00b2</th></tr></thead><tbody>" + per_task_fits + "</tbody></table>")
    factors = ", ".join(dict.fromkeys(f"{sig(f['intensity_g_per_kwh'])} g/kWh ({f['region']})"
                                      for f in d.carbon_factors[:3]))
    audit_kpi = (f'<div class="kpi"><b>{d.audit["flagged"]}</b><span>runs with guessed components</span></div>'
                 if d.audit["flagged"] else "")
    plot_script = ""
    if figs:
        plot_script = (
            "<script>(function(){var F=" + script_json(figs) + ";var C={displaylogo:false,responsive:true};"
            "Object.keys(F).forEach(function(k){Plotly.newPlot(k,F[k].data,F[k].layout,C);});})();</script>"
        )
    subs = {
        "title": escape(title),
        "css": read_asset("report.css"),
        "js": read_asset("report.js"),
        "plotly_js": "<script>" + plotly_js + "</script>" if plotly_js and figs else "",
        "generated_at": escape(d.generated_at),
        "runs": str(d.runs),
        "failed": f" ({d.failed} failed, not shown)" if d.failed else "",
        "n_models": str(n_models),
        "n_tasks": str(len(d.tasks)),
        "measured": pct(d.provenance["measured_share"]),
        "factors": escape(factors or "-"),
        "audit_kpi": audit_kpi,
        "serving_link": _serving_link(serving_page),
        "plot_task": blocks["plot-task"],
        "task_table": _task_table(d),
        "leaderboard": _leaderboard(d.leaderboard, _quality_cells(d)),
        "quality_section": _quality_section(d, [blocks[k] for k in blocks if k.startswith("plot-pareto-")]),
        "fit_text": fit_text or "Needs runs with a known parameter count.",
        "plot_params": blocks["plot-params"],
        "per_task_fits": per_task_fits,
        "plot_length": blocks["plot-length"],
        "families": escape(", ".join(d.families)),
        "plot_multi": blocks["plot-multi"],
        "multi_table": _multi_table(d),
        "equivalents": _equivalents(d),
        "labels": _labels(d.leaderboard),
        "provenance": _provenance(d) + _timed_section(d, blocks["plot-timed"]),
        "plot_script": plot_script,
    }
    return Template(read_asset("page.html")).substitute(subs)


def _serving_link(page: str | None) -> str:
    """A relative link to the serving page written beside this one ('' without serving runs)."""
    if not page:
        return ""
    from urllib.parse import quote

    return (f'<div class="sub">Serving runs (energy per request against latency) are on their own page: '
            f'<a href="{escape(quote(page), quote=True)}">{escape(page)}</a></div>')


def write_html_report(
    results: list[RunResult], path: str | os.PathLike[str], title: str = "wattprint report",
    families: Sequence[str] = DEFAULT_FAMILIES,
) -> Path:
    """Write the self-contained HTML report of ``results`` to ``path``; returns the path.

    Raises :class:`WattprintError` when there is no successful run to show.
    """
    if not any(r.status == "ok" and r.summary is not None for r in results):
        raise WattprintError("no successful runs to report", "run a benchmark first: wattprint run ...")
    return write_html(build_report(results, families), path, title=title)


def write_html(data: ReportData, path: str | os.PathLike[str], title: str = "wattprint report",
               serving_page: str | None = None) -> Path:
    """Write the page of already computed report figures (e.g. :func:`build_report_columns`) to ``path``;
    ``serving_page``: the file name of the serving page written beside it, linked from this one."""
    if not data.runs:
        raise WattprintError("no successful runs to report", "run a benchmark first: wattprint run ...")
    out = Path(path)
    if not out.parent.exists():  # a new folder for the report is made; a bad path fails before the work
        prepare_output_dir(out.parent, option="--html folder")
    check_output_file(out)
    html_text = render_html(data, title=title, serving_page=serving_page)
    return write_text_atomic(out, html_text)
