"""Time-resolved carbon in the terminal: per run, the flat figure and the one that follows the clock."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import JustifyMethod
from rich.table import Table

from wattprint.report.termtext import OneLine, markup_safe, plain
from wattprint.results.schema import RunResult

_BARS = "▁▂▃▄▅▆▇█"
MAX_NOTES = 5  # per-run fallback reasons printed; a store of thousands of runs would print thousands


def sparkline(values: list[float]) -> str:
    """Unicode bars scaled between the smallest and largest value (intensity over a run's time)."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi - lo <= 0:
        return _BARS[3] * len(values)
    return "".join(_BARS[min(7, int((v - lo) / (hi - lo) * 8))] for v in values)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def print_timed(runs: list[RunResult], console: Any) -> None:
    """A table: run, task, model, g/1k at the flat factor, g/1k time-resolved, intensity met (g/kWh), its trace.

    Below 100 columns the trace (a sparkline) is left out, so that names keep their room; the HTML plots it.
    """
    t = Table(title="Carbon with the intensity each run met (g CO2e per 1,000 inferences)", title_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    wide = console.width >= 100
    shown = [r for r in runs if r.carbon_timed is not None]
    room = {"task": min(19, max((len(r.config.task) for r in shown), default=4)),  # names before the numbers
            "model": min(16, max((len(r.config.model) for r in shown), default=5))}
    cols: list[tuple[str, JustifyMethod]] = [
        ("run", "left"), ("task", "left"), ("model", "left"), ("flat", "right"), ("timed", "right"),
        ("diff", "right"), ("g/kWh", "right")]
    if wide:
        cols.append(("trace", "left"))
    for col, just in cols:
        t.add_column(col, justify=just, no_wrap=col not in ("task", "model", "trace"), min_width=room.get(col))
    notes = []
    series = None
    for r in runs:
        tc = r.carbon_timed
        if tc is None:
            if r.carbon_fallback:
                notes.append(f"{r.run_id[:8]}: {r.carbon_fallback}")
            continue
        series = tc.series
        diff = None
        if tc.g_co2e_per_1k is not None and tc.average_g_co2e_per_1k:
            diff = tc.g_co2e_per_1k / tc.average_g_co2e_per_1k - 1.0
        trace = [p.g_per_kwh for p in tc.trace]
        spark = sparkline(trace) + f" {min(trace):.0f}-{max(trace):.0f}" if len(trace) > 1 else "-"
        t.add_row(r.run_id[:6], OneLine(r.config.task), OneLine(r.config.model), _num(tc.average_g_co2e_per_1k),
                  _num(tc.g_co2e_per_1k), "-" if diff is None else f"{diff:+.0%}", _num(tc.mean_intensity_g_per_kwh),
                  *([spark] if wide else []))
    if series is not None:
        console.print(t)
        legend = "trace: the intensity over the run" if wide else "the trace needs 100+ columns (or --html)"
        console.print(plain(f"flat: the yearly/average factor; timed: the series' hours; g/kWh: the mean intensity "
                            f"met; {legend}. Series: {series.label()} {series.origin}"))
    for n in notes[:MAX_NOTES]:
        console.print(f"[yellow]note:[/] {markup_safe(n)}")
    if len(notes) > MAX_NOTES:
        console.print(plain(f"note: {len(notes) - MAX_NOTES} more run(s) kept the flat factor "
                            "(--json lists each run's reason under time_resolved)"))
