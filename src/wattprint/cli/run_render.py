"""Printing one run for people: figures per 1,000 inferences, always with their provenance.

Shared by ``wattprint run`` and ``wattprint results show``.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from wattprint.cli.common import console, fmt
from wattprint.report.termtext import OneLine, clean, markup_safe, plain
from wattprint.results.schema import J_PER_WH, RunResult


def provenance_sentence(r: RunResult) -> str:
    """One plain sentence on whether the energy was measured or estimated."""
    from wattprint.results.export import provenance_label

    label = provenance_label(r)
    comps = _component_provenance(r)
    estimated = sorted(c for c, p in comps.items() if not p.measured)
    measured = sorted(c for c, p in comps.items() if p.measured)
    if label == "measured":
        return "MEASURED: every figure comes from hardware energy sensors (" + ", ".join(
            f"{c}: {comps[c].label}" for c in measured) + ")."
    if label == "ESTIMATED":
        return ("ESTIMATED, not measured: no hardware energy counter covered this run; the figures come from "
                "a power model (" + ", ".join(f"{c}: {comps[c].label}" for c in estimated) + ").")
    share = f"{r.summary.measured_share:.0%} of the energy" if r.summary is not None else "part of the energy"
    return (f"PARTLY ESTIMATED: {share} was measured "
            f"({', '.join(measured)}); {', '.join(estimated)} estimated from a power model.")


def _component_provenance(r: RunResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rep in r.repeats:
        for c in rep.energy.components:
            out.setdefault(c.component, c.provenance)
    return out


def _say(line: str) -> None:
    """Print a line that holds stored text (names, reasons, machine details) as text, never markup."""
    console.print(clean(line), markup=False)


def print_run(r: RunResult, full: bool = False) -> None:
    """Print ``r``: headline figures; with ``full``, every window, repeat and the environment."""
    c = r.config
    mi = r.model_info
    model = c.model + (" (random weights)" if mi and mi.random_weights else "")
    console.print(f"[bold]{markup_safe(c.task)}[/] / {markup_safe(model)} / {markup_safe(c.dataset)}   "
                  f"run {markup_safe(r.run_id[:12])}  ({markup_safe(r.status)})")
    _say(f"  {c.n} inferences x {c.repeats} repeats, batch size {c.batch_size}, {c.device} {c.dtype}, "
         f"warm-up {c.warmup}, idle baseline {c.idle_s:g} s")
    if r.status != "ok":
        console.print(f"  [bold red]failed[/]: {markup_safe(r.error)}")
        if r.failure and r.failure.hint:
            _say(f"  hint: {r.failure.hint}")
        if r.phase:
            _say(f"  in phase: {r.phase}")
    s = r.summary
    if s is not None:
        console.print(
            f"  [bold]{fmt(s.wh_per_1k_mean)} Wh per 1,000 inferences[/] "
            f"(std {fmt(s.wh_per_1k_std)}, 95% interval {fmt(s.wh_per_1k_ci95.low)} - {fmt(s.wh_per_1k_ci95.high)}, "
            f"{len(r.repeats)} repeats)"
        )
        if s.provenance_bounds_wh_per_1k is not None:
            b = s.provenance_bounds_wh_per_1k
            console.print(f"  sensor/model uncertainty bounds: {fmt(b.low)} - {fmt(b.high)} Wh per 1,000")
        if s.net_wh_per_1k_mean is not None:
            share = f" (idle share {s.idle_share:.0%})" if s.idle_share is not None else ""
            console.print(f"  net of idle baseline: {fmt(s.net_wh_per_1k_mean)} Wh per 1,000{share}")
        g = r.g_co2e_per_1k
        if g is not None and r.carbon is not None:
            ci = r.carbon
            src = ", ".join(x for x in (ci.source, str(ci.year) if ci.year else "") if x)
            console.print(
                f"  [bold]{fmt(g)} g CO2e per 1,000 inferences[/] at {fmt(ci.intensity_g_per_kwh)} g/kWh "
                f"({markup_safe(ci.region)}{'; ' + markup_safe(src) if src else ''}), PUE {ci.pue:g}"
            )
        print_timed_carbon(r)
        console.print(f"  {fmt(s.seconds_per_inference)} s per inference")
        if s.wh_per_output_token is not None:
            console.print(f"  {fmt(s.wh_per_output_token)} Wh per output token")
        if s.prefill_wh_per_1k is not None:
            console.print(
                f"  prefill {fmt(s.prefill_wh_per_1k)} Wh per 1,000, decode {fmt(s.decode_wh_per_1k)} Wh per 1,000"
            )
        _say(f"  {provenance_sentence(r)}")
        if mi and mi.random_weights:
            console.print("  Model weights are random (architecture only): energy is realistic, outputs are not.")
        _print_equivalents(r, full)
        print_quality(r)
    if full:
        _print_full(r)


def print_timed_carbon(r: RunResult) -> None:
    """The time-resolved carbon next to the flat figure, or why a requested series was not used."""
    from rich.markup import escape

    t = r.carbon_timed
    if t is not None and t.g_co2e_per_1k is not None:
        console.print(
            f"  [bold]{fmt(t.g_co2e_per_1k)} g CO2e per 1,000 inferences, time-resolved[/]: the run met "
            f"{fmt(t.mean_intensity_g_per_kwh)} g/kWh on average (flat factor: {fmt(t.average_g_co2e_per_1k)} g at "
            f"{fmt(t.average_intensity_g_per_kwh)} g/kWh)"
        )
        console.print(f"  [dim]series:[/] {escape(t.series.label())} {escape(t.series.origin)}")
    elif r.carbon_fallback:
        console.print(f"  [yellow]note:[/] {escape(r.carbon_fallback)}")


def quality_line(q: Any) -> str:
    """``accuracy 0.912 (95% 0.89-0.93, n=1000)`` for one QualityScore (plain text, no markup)."""
    ci = f"95% {fmt(q.ci95_low, 3)}-{fmt(q.ci95_high, 3)}, " if q.ci95_low is not None else ""
    n = f"n={q.n}" if q.n is not None else "n unknown"
    src = "" if q.source == "measured-outputs" else f", {q.source}"
    return f"{q.metric} {fmt(q.value, 4)} ({ci}{n}{src})"


def print_quality(r: RunResult) -> None:
    """Quality lines of a run, or the one note saying why it has none (text from files printed as text)."""
    from wattprint.report.termtext import plain

    if r.quality:
        console.print(plain("  quality: " + "; ".join(quality_line(q) for q in r.quality)))
        if r.quality_compute is not None:
            console.print(plain(f"  scoring pass (apart, not in the figures above): "
                               f"{fmt(r.quality_compute.total_joules / 3600)} Wh"))
    elif r.quality_error:
        console.print(plain(f"  quality not scored: {r.quality_error}"))
    elif r.quality_note:
        console.print(plain(f"  quality: {r.quality_note}"))


def _print_equivalents(r: RunResult, full: bool = False) -> None:
    """Everyday equivalents of the per-1,000 figures; sources in full (``results show``)."""
    try:
        from wattprint.carbon import equivalents
    except ImportError:
        return
    s = r.summary
    g = r.g_co2e_per_1k
    if s is None or g is None:
        return
    try:
        eqs = equivalents(s.wh_per_1k_mean, g)
    except Exception:
        return
    if not eqs:
        return
    console.print("  per 1,000 inferences, about:")
    for e in eqs:
        basis = f"{fmt(e.per_unit, 4)} {e.per_unit_unit} each" + (f", {e.year}" if e.year else "")
        line = f"    {fmt(e.value, 3)} {e.name} ({basis})"
        if full:
            line += f"; source: {e.source}"
        _say(line)


def _wh(report: Any) -> str:
    return "-" if report is None else f"{fmt(report.total_joules / J_PER_WH)} Wh in {fmt(report.duration_s)} s"


def _print_full(r: RunResult) -> None:
    s = r.summary
    if r.idle_power_w is not None:
        _say("  idle power: " + ", ".join(f"{k} {fmt(v)} W" for k, v in r.idle_power_w.items()))
    console.print(f"  model load (apart): {_wh(r.load)}")
    console.print(f"  pre-processing (apart): {_wh(r.preprocess)}")
    if s is not None and s.components_wh_per_1k:
        prov = _component_provenance(r)
        t = Table(title="per component, Wh per 1,000 inferences", title_justify="left")
        for col in ("component", "Wh/1k", "provenance", "uncertainty", "note"):
            t.add_column(col, no_wrap=col in ("Wh/1k", "uncertainty"))
        for comp, wh in s.components_wh_per_1k.items():
            p = prov.get(comp)
            t.add_row(
                OneLine(comp),
                fmt(wh),
                plain(p.label if p else "-"),
                f"{p.uncertainty_low:+.0%} / {p.uncertainty_high:+.0%}" if p else "-",
                plain(p.note if p else ""),
            )
        console.print(t)
    if r.repeats:
        t = Table(title="repeats", title_justify="left")
        for col in ("#", "inferences", "J", "s", "W mean", "Wh/1k", "prefill J", "counts"):
            t.add_column(col, no_wrap=col != "counts")
        for rep in r.repeats:
            e = rep.energy
            t.add_row(
                str(rep.index),
                str(rep.inferences),
                fmt(e.total_joules),
                fmt(e.duration_s),
                fmt(e.mean_power_w),
                fmt(e.total_joules / J_PER_WH / max(rep.inferences, 1) * 1000),
                fmt(rep.prefill.total_joules) if rep.prefill else "-",
                plain(", ".join(f"{k}={v}" for k, v in rep.counts.items())),
            )
        console.print(t)
    env = r.environment
    _say(f"  machine: {env.cpu_model} x{env.cpu_count}, {fmt(env.ram_gb)} GB RAM, {env.os}, Python {env.python}")
    if env.gpus:
        _say("  GPUs: " + "; ".join(str(g.get("name")) for g in env.gpus) + f" (driver {env.gpu_driver})")
    for m in env.meters:
        kind = "measured" if m.measured else "ESTIMATED"
        _say(f"  meter {m.name} [{kind}]: {', '.join(m.components)}{' - ' + m.note if m.note else ''}")
    libs = ", ".join(f"{k} {v}" for k, v in env.libraries.items())
    _say(f"  isolation: {env.isolation}; libraries: {libs}")
    _say(f"  config hash {r.config_hash}; started {r.started_at.isoformat()}")
    if r.sample_outputs:
        _say(f"  sample outputs: {r.sample_outputs}")
