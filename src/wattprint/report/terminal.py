"""The terminal report (rich): per-task statistics, leaderboard, fits, ratios, audit."""

from __future__ import annotations

from rich import box
from rich.console import Console, JustifyMethod, RenderableType
from rich.table import Table

from wattprint.analysis.compare import Comparison
from wattprint.report.data import ReportData
from wattprint.report.fmt import interval, params, pct, sig
from wattprint.report.termtext import OneLine, clean, markup_safe, plain

__all__ = ["print_report", "print_comparison"]

_STAR = "\u2605"
#: terminal width (columns) from which every column of the tables is shown
WIDE = 120


def _stars(n: int | None) -> str:
    if n is None:
        return "[dim]-[/]"
    color = {5: "green", 4: "green", 3: "yellow", 2: "dark_orange", 1: "red"}[n]
    return f"[{color}]{_STAR * n}[/][dim]{_STAR * (5 - n)}[/]"


def _n(count: int, word: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def print_report(d: ReportData, console: Console, top: int = 5) -> None:
    """Print the report; ``top`` leaderboard rows per task group (0 = all)."""
    factors = ", ".join(f"{sig(f['intensity_g_per_kwh'])} g/kWh ({markup_safe(f['region'])}, {_n(f['runs'], 'run')})"
                        for f in d.carbon_factors[:3])
    failed = f"; {_n(d.failed, 'failed run')} left out" if d.failed else ""
    console.print(f"[bold]{d.runs}[/] {'run' if d.runs == 1 else 'runs'}, "
                  f"{_n(len({e.model for e in d.leaderboard}), 'model')}, {_n(len(d.tasks), 'task')}{failed}. "
                  f"{pct(d.provenance['measured_share'])} of the energy measured by sensors. Carbon: {factors or '-'}")
    narrow = console.width < WIDE
    t = Table(title="Energy per task: Wh per 1,000 inferences (mean over runs, 95% CI); g/1k: g CO2e per 1,000",
              title_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    cols: list[tuple[str, JustifyMethod]] = [("task", "left"), ("runs", "right"), ("models", "right"),
                                             ("Wh/1k", "right"), ("95% CI", "right")]
    if not narrow:
        cols += [("std", "right"), ("median", "right"), ("min-max", "right")]
    cols += [("g/1k", "right"), ("measured", "right")]
    for col, just in cols:  # numbers are never cut or folded; the task name shrinks in the middle if it must
        t.add_column(col, justify=just, no_wrap=col != "task")
    for task, st in d.tasks.items():
        en, g = st.energy_wh_per_1k, st.emissions_g_per_1k
        wide = [] if narrow else [sig(en.std), sig(en.median), f"{sig(en.min)}-{sig(en.max)}"]
        t.add_row(OneLine(task), str(st.runs), str(st.models), sig(en.mean), interval(en.ci95_low, en.ci95_high),
                  *wide,
                  sig(g.mean) if g else "-", pct(st.measured_share))
    console.print(t)

    lb = Table(title="Leaderboard (stars within task; text generation within size class)", title_justify="left",
               box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    lb_cols = ["stars", "task (group)", "model", "params", "Wh/1k", "95% CI", "g/1k", "measured", "runs"]
    if narrow:
        lb_cols = [c for c in lb_cols if c not in ("params", "g/1k", "runs")]
    for col in lb_cols:  # only names may shrink, on one line with an ellipsis in the middle
        lb.add_column(col, no_wrap=col not in ("model", "task (group)"))
    shown: dict[str, int] = {}
    for e in d.leaderboard:
        shown[e.group] = shown.get(e.group, 0) + 1
        if top and shown[e.group] > top:
            continue
        cells: dict[str, RenderableType] = {
                 "stars": _stars(e.stars), "task (group)": OneLine(e.group), "model": OneLine(e.model),
                 "params": params(e.parameters),
                 "Wh/1k": sig(e.wh_per_1k), "95% CI": interval(*e.wh_per_1k_ci95), "g/1k": sig(e.g_co2e_per_1k),
                 "measured": pct(e.measured_share), "runs": str(e.runs)}
        lb.add_row(*[cells[c] for c in lb_cols])
    console.print(lb)
    if narrow:
        console.print(f"[dim]narrow terminal ({console.width} columns): std, median, min-max, params, g CO2e and runs "
                      f"are left out; widen to {WIDE}+ columns, or use --json / --html[/]")
    hidden = sum(max(0, n - top) for n in shown.values()) if top else 0
    if hidden:
        console.print(f"[dim]{hidden} more leaderboard rows: --top 0 shows all, --html for the full page[/]")

    if d.params_fit:
        f = d.params_fit
        console.print(f"Energy vs parameters (log-log, {f.n} models): slope {f.slope:.2f}, "
                      f"intercept {f.intercept:.2f}, r\u00b2 {f.r2:.2f}")
    if d.length_fit:
        f = d.length_fit
        console.print(f"Energy vs output tokens ({f.n} generation runs): {sig(f.slope)} Wh/1k per token, "
                      f"r\u00b2 {f.r2:.2f}")
    if d.multi:
        mt = Table(title="Multi-purpose vs task-specific (same task and dataset)", title_justify="left",
                   box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        for col in ("task", "dataset", "task-specific\nWh/1k", "multi-purpose\nWh/1k", "ratio", "per-model\nratios"):
            mt.add_column(col, no_wrap=col not in ("task", "dataset"), justify="left" if col in ("task", "dataset")
                          else "right")
        for r in d.multi:
            mt.add_row(OneLine(r.task), OneLine(r.dataset), sig(r.specific_wh_per_1k), sig(r.multi_wh_per_1k),
                       f"x{r.ratio:.1f}", f"x{r.ratio_min:.1f}-x{r.ratio_max:.1f}")
        console.print(mt)
    _print_quality(d, console)
    a = d.audit
    if a["flagged"]:
        parts = ", ".join(f"{markup_safe(c)} {pct(v['mean_share'])} ({v['runs']} runs)"
                          for c, v in a["components"].items())
        console.print(f"[yellow]audit:[/] {a['flagged']} of {a['runs']} runs have guessed components; mean guessed "
                      f"share {pct(a['mean_guessed_share'])}; by component: {parts}")


def print_comparison(c: Comparison, console: Console) -> None:
    """Two sides and the verdict."""
    narrow = console.width < WIDE
    t = Table(title="Comparison: Wh per 1,000 inferences (per-repeat values)", title_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    cols = ["", "runs", "repeats", "mean", "95% CI", "std", "provenance\nbounds", "g CO2e\n/1k", "measured"]
    if narrow:
        cols = [col for col in cols if col not in ("runs", "std", "g CO2e\n/1k")]
    for col in cols:  # numbers are never cut; the label shrinks in the middle if it must
        t.add_column(col, no_wrap=bool(col), justify="right" if col else "left")
    for s in (c.a, c.b):
        b = interval(*s.bounds_wh_per_1k) if s.bounds_wh_per_1k else "-"
        cells: dict[str, RenderableType] = {
            "": OneLine(s.label), "runs": str(s.runs), "repeats": str(s.energy.n), "mean": sig(s.energy.mean),
            "95% CI": interval(s.energy.ci95_low, s.energy.ci95_high), "std": sig(s.energy.std),
            "provenance\nbounds": b, "g CO2e\n/1k": sig(s.g_co2e_per_1k), "measured": pct(s.measured_share)}
        t.add_row(*[cells[col] for col in cols])
    console.print(t)
    if narrow:
        console.print(f"[dim]narrow terminal ({console.width} columns): runs, std and g CO2e are left out; "
                      f"widen to {WIDE}+ columns or use --json[/]")
    color = "green" if c.significant else ("yellow" if c.significant is None else "dim")
    console.print(f"B / A = [bold]x{c.ratio_b_over_a:.3g}[/] ({sig(c.difference_wh_per_1k)} Wh/1k); "
                  f"[{color}]{markup_safe(c.verdict)}[/]")
    console.print(f"[dim]rule: {markup_safe(c.rule)}[/]")
    for w in c.warnings or []:
        console.print(f"[yellow]warning:[/] {markup_safe(w)}")


def _print_quality(d: ReportData, console: Console) -> None:
    """Per task and dataset: the Pareto front of energy vs quality, cheapest first (names printed as text)."""
    groups: dict[tuple[str, str], list] = {}
    for p in d.quality:
        if p.quality is not None and p.on_front:
            groups.setdefault((p.task, p.dataset), []).append(p)
    if not groups:
        return
    qt = Table(title="Energy vs quality: Pareto front per task and dataset (cheapest first; Wh per 1,000)",
               title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in ("task", "dataset", "metric", "front: model quality @ Wh/1k"):
        qt.add_column(col, no_wrap=col == "metric")  # names shorten in the middle, the front wraps between models
    for (task, dataset), pts in sorted(groups.items()):
        front = "; ".join(f"{clean(p.model)} {sig(p.quality)} @ {sig(p.wh_per_1k)}"
                          for p in sorted(pts, key=lambda p: p.wh_per_1k))
        qt.add_row(OneLine(task), OneLine(dataset), pts[0].metric, plain(front))
    console.print(qt)
    console.print("[dim]which model meets a bar for the least energy: wattprint recommend --task T --min-quality Q[/]")
