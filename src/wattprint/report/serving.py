"""Serving runs in reports: energy per request vs latency across load levels, the Pareto front, a table.

Terminal: one table per serving run (levels, J per request with its interval, latencies, whether the
level is on the energy-latency Pareto front). HTML: a self-contained page (plotly embedded, no
network) with the energy-vs-latency plot, the front drawn as a line, and the same tables. Every
string from a run is escaped (``html.escape`` in markup, escaped JSON in scripts, plain text in the
terminal).
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any

from rich import box
from rich.table import Table

from wattprint.analysis.serving import DEFAULT_LATENCY, latency_of, pareto_front
from wattprint.report.figures import PALETTE, plot_axis, plot_layout
from wattprint.report.fmt import sig
from wattprint.report.termtext import plain
from wattprint.results.atomic import check_output_file, prepare_output_dir, write_text_atomic
from wattprint.results.serving import ServingResult, j_of


def _ms(x: float | None) -> str:
    return "-" if x is None else sig(x * 1000)


def serving_figure(runs: list[ServingResult], which: str = DEFAULT_LATENCY) -> dict[str, Any] | None:
    """Plotly figure: J per request (log) vs latency (ms) per level, one colour per run; front dashed."""
    data = []
    for i, r in enumerate(runs):
        pts = [(lat, j_of(lv).mean, lv.label) for lv in r.ok_levels if (lat := latency_of(lv, which)) is not None]
        if not pts:
            continue
        color = PALETTE[i % len(PALETTE)]
        name = f"{r.model} ({r.run_id[:8]})"
        data.append({"type": "scatter", "mode": "markers+text", "name": name, "x": [p[0] * 1000 for p in pts],
                     "y": [p[1] for p in pts], "text": [p[2] for p in pts], "textposition": "top center",
                     "marker": {"color": color, "size": 9}})
        front = pareto_front(r, which)
        data.append({"type": "scatter", "mode": "lines", "name": f"Pareto front {r.run_id[:8]}",
                     "x": [lat * 1000 for lv in front if (lat := latency_of(lv, which)) is not None],
                     "y": [j_of(lv).mean for lv in front],
                     "line": {"color": color, "dash": "dash"}, "hoverinfo": "skip"})
    if not data:
        return None
    metric, _, stat = which.partition("_")
    return {"data": data, "layout": plot_layout(xaxis=plot_axis(f"{metric.upper()} {stat} latency (ms)"),
                                            yaxis=plot_axis("energy per request (J, whole server)", log=True))}


def provenance_line(r: ServingResult) -> str:
    """Which components were measured and which estimated, in one sentence."""
    comps: dict[str, str] = {}
    measured: dict[str, bool] = {}
    for lv in r.levels:
        for rep in lv.repeats:
            for c in rep.energy.components:
                comps.setdefault(c.component, c.provenance.label)
                measured.setdefault(c.component, c.provenance.measured)
    if not comps:
        return "no energy window finished"
    kind = ("MEASURED" if all(measured.values()) else "ESTIMATED" if not any(measured.values())
            else "PARTLY ESTIMATED")
    return f"{kind}: " + ", ".join(f"{c}: {label}" for c, label in comps.items())


def level_table(r: ServingResult, which: str = DEFAULT_LATENCY) -> Table:
    """Terminal table of one serving run's levels with the Pareto front marked."""
    front = {lv.label for lv in pareto_front(r, which)}
    t = Table(title=plain(f"serving {r.model} ({r.run_id[:8]}, {r.engine or 'engine unknown'})"),
              title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    carbon = r.carbon is not None
    cols = ("level", "J/req", "95% CI", "J/tok") + (("g/req",) if carbon else ()) + ("TTFT p90 ms", "E2E p90 ms",
                                                                                        "front")
    for c in cols:
        t.add_column(c, justify="left" if c in ("level", "front") else "right", overflow="fold")
    for lv in r.levels:
        if lv.status != "ok" or lv.j_per_request is None:
            t.add_row(plain(lv.label), "failed", *["-"] * (len(cols) - 3), "")
            continue
        e = lv.j_per_request
        grams = (sig(r.g_co2e_per_request(lv)),) if carbon else ()
        t.add_row(plain(lv.label), sig(e.mean), f"{sig(e.low)}-{sig(e.high)}" if e.n > 1 else "-",
                  sig(lv.j_per_output_token.mean) if lv.j_per_output_token else "-", *grams, _ms(lv.ttft_s.p90),
                  _ms(lv.e2e_s.p90), "*" if lv.label in front else "")
    return t


def print_serving_report(runs: list[ServingResult], console: Any) -> None:
    """Terminal section for serving runs (those with a finished level), each with its energy's provenance."""
    for r in runs:
        if not r.ok_levels:
            continue
        console.print(level_table(r))
        console.print("  *: on the energy-latency Pareto front (no level has both less J/request and a lower "
                      "E2E p90)", soft_wrap=True)
        console.print(plain(f"  energy: {provenance_line(r)}"), soft_wrap=True)
        if r.carbon is not None:
            console.print(plain(f"  g/req: g CO2e per request at {r.carbon.label()}"), soft_wrap=True)
        if r.status != "ok":
            console.print(plain(f"  run failed ({r.error or 'no reason stored'}): only its finished levels are "
                                "shown"), soft_wrap=True)


def render_serving_html(runs: list[ServingResult], title: str = "wattprint serving report") -> str:
    """A self-contained page: the energy-vs-latency plot and a table per run."""
    from wattprint.report.html import plotly_source, read_asset, script_json

    fig = serving_figure(runs)
    plotly_js = plotly_source() if fig else None
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>",
             f"<style>{read_asset('report.css')}</style></head><body><main><h1>{escape(title)}</h1>",
             "<p>Energy per request is the whole server's energy in each level's steady-state window divided by "
             "the requests completed in it; the dashed line joins the levels on the energy-latency Pareto front."
             "</p>"]
    if fig and plotly_js:
        parts.append("<div class='plot' id='plot-serving'></div>")
    elif fig:
        parts.append("<p class='note'>Charts need plotly: pip install \"wattprint[report]\".</p>")
    for r in runs:
        front = {lv.label for lv in pareto_front(r)}
        rows = []
        for lv in r.levels:
            if lv.status != "ok" or lv.j_per_request is None:
                span = 7 if r.carbon else 6
                rows.append(f"<tr><td>{escape(lv.label)}</td><td colspan='{span}'>failed: {escape(lv.error or '')}"
                            "</td></tr>")
                continue
            e = lv.j_per_request
            grams = f"<td class='num'>{escape(sig(r.g_co2e_per_request(lv)))}</td>" if r.carbon else ""
            rows.append(f"<tr><td>{escape(lv.label)}</td><td class='num'>{escape(sig(e.mean))}</td>"
                        f"<td class='num'>{escape(sig(e.low))}&ndash;{escape(sig(e.high))}</td>{grams}"
                        f"<td class='num'>{escape(_ms(lv.ttft_s.p90))}</td><td class='num'>{escape(_ms(lv.itl_s.p90))}"
                        f"</td><td class='num'>{escape(_ms(lv.e2e_s.p90))}</td>"
                        f"<td>{'front' if lv.label in front else ''}</td></tr>")
        prov = provenance_line(r)
        if r.status != "ok":
            prov += f"; run failed ({r.error or 'no reason stored'}): only its finished levels are shown"
        if r.carbon is not None:
            prov += f"; carbon: g CO2e per request at {r.carbon.label()}"
        g_head = "<th class='num'>g CO2e/request</th>" if r.carbon else ""
        parts.append(f"<h2>{escape(r.model)} <small>{escape(r.run_id[:12])} &middot; {escape(r.engine)} "
                     f"{escape(r.engine_version)}</small></h2><p class='muted'>{escape(r.server_command)}; energy: "
                     f"{escape(prov)}</p><table><thead><tr><th>level</th><th class='num'>J/request</th>"
                     f"<th class='num'>95% CI</th>{g_head}<th class='num'>TTFT p90 ms</th>"
                     "<th class='num'>ITL p90 ms</th>"
                     "<th class='num'>E2E p90 ms</th><th>Pareto</th></tr></thead><tbody>" + "".join(rows)
                     + "</tbody></table>")
    if fig and plotly_js:
        parts.append("<script>" + plotly_js + "</script><script>(function(){var F=" + script_json(fig)
                     + ";Plotly.newPlot('plot-serving',F.data,F.layout,{displaylogo:false,responsive:true});})();"
                     "</script>")
    parts.append("</main></body></html>")
    return "".join(parts)


def write_serving_html(runs: list[ServingResult], path: str | os.PathLike[str]) -> Path:
    """Write the serving page to ``path`` (atomically, as the main report); returns the path.

    A bad path (a folder, a read-only disk, a full disk) is a one-line :class:`WattprintError`.
    """
    out = Path(path)
    if not out.parent.exists():
        prepare_output_dir(out.parent, option="--html folder")
    check_output_file(out)
    return write_text_atomic(out, render_serving_html(runs))
