"""Printing a serving run: one row per load level, every energy figure with its provenance.

Shared by ``wattprint serve-bench``, ``results list|show`` and ``compare``. Text that came from the
user or the server (model names, commands, log lines) is printed as text, never as markup.
"""

from __future__ import annotations

from rich import box
from rich.markup import escape
from rich.table import Table

from wattprint.cli.common import console
from wattprint.cli.run_render import fmt
from wattprint.report.serving import provenance_line
from wattprint.report.termtext import clean, markup_safe
from wattprint.results.serving import Estimate, LevelResult, ServingResult, j_of


def _ms(x: float | None) -> str:
    return "-" if x is None else fmt(x * 1000, 3)


def _mean(e: Estimate | None) -> str:
    return "-" if e is None else fmt(e.mean, 3)


def _half(e: Estimate | None) -> str:
    return "-" if e is None or e.n < 2 else fmt((e.high - e.low) / 2, 2)


def level_table(r: ServingResult) -> Table:
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    mixes = len({lv.mix for lv in r.levels}) > 1
    errors = any(lv.error_rate > 0 for lv in r.levels)
    cols = ["level"] + (["mix"] if mixes else []) + ["req/s", "tok/s", "J/req", "±", "J/tok", "TTFT", "ITL",
                                                      "E2E"] + (["err"] if errors else []) + ["W"]
    if r.slo:
        cols.append("SLO")
    for c in cols:
        t.add_column(c, justify="left" if c in ("level", "mix", "SLO") else "right", overflow="fold",
                     no_wrap=c in ("level", "mix", "SLO"))
    for lv in r.levels:
        cells = _cells(r, lv)
        if mixes:
            cells.insert(1, lv.mix.replace("in=", "").replace(" out=", ":"))
        if not errors:
            del cells[-3 if r.slo else -2]  # the err column
        t.add_row(*cells)
    return t


def _short(lv: LevelResult) -> str:
    return f"c={int(lv.value)}" if lv.kind == "concurrency" else f"{lv.value:g}/s"


def _cells(r: ServingResult, lv: LevelResult) -> list[str]:
    if lv.status != "ok":
        cells = [markup_safe(_short(lv)), "[red]failed[/]"] + ["-"] * 9
    else:
        power = sum(lv.mean_power_w.values()) if lv.mean_power_w else None
        cells = [
            markup_safe(_short(lv)), _mean(lv.requests_per_s), _mean(lv.output_tokens_per_s), _mean(lv.j_per_request),
            _half(lv.j_per_request), _mean(lv.j_per_output_token),
            _ms(lv.ttft_s.p90), _ms(lv.itl_s.p90), _ms(lv.e2e_s.p90), f"{lv.error_rate:.0%}", fmt(power, 3),
        ]
    if r.slo:
        mark = "-" if lv.slo_met is None else ("[green]yes[/]" if lv.slo_met else "no")
        if lv.label == r.slo_best:
            mark = "[bold green]best[/]"
        cells.append(mark)
    return cells


def print_serving(r: ServingResult, full: bool = False) -> None:
    """Print a serving run: header, per-level table, provenance, fit, SLO; ``full`` adds windows."""
    console.print(f"[bold]serving[/] {markup_safe(r.model)} at {markup_safe(r.endpoint)}   "
                  f"run {r.run_id[:12]}  ({r.status})")
    eng = " ".join(x for x in (r.engine, r.engine_version) if x) or "engine unknown"
    console.print(f"  server: {markup_safe(r.server_command or 'attached')} ({markup_safe(eng)}); api {r.api}; "
                  f"{markup_safe(r.prompts)}; output length {'fixed (ignore_eos)' if r.fixed_output else 'NOT fixed'}")
    if r.idle_power_w is not None:
        console.print(f"  idle baseline {fmt(sum(r.idle_power_w.values()), 3)} W over {r.idle_s:g} s")
    console.print(level_table(r))
    console.print("  J/req, J/tok: whole server energy in the steady-state window / requests completed, output tokens "
                  "arrived in it; ±: 95% interval of J/req over repeats; TTFT, ITL, E2E: p90 latency in ms; "
                  "W: mean server power", soft_wrap=True)
    console.print(f"  energy: {markup_safe(provenance_line(r))}", soft_wrap=True)
    carbon = carbon_line(r)
    if carbon:
        console.print(f"  {markup_safe(carbon)}", soft_wrap=True)
    for note in r.meter_notes:
        console.print(f"  [dim]{markup_safe(note)}[/]", soft_wrap=True)
    if r.fit is not None:
        f = r.fit
        console.print(
            f"  prefill/decode fit ({f.windows} windows, R² {f.r2:.3f}): base {fmt(f.base_power_w.value, 3)} W, "
            f"{fmt(f.j_per_1k_input, 3)} J per 1,000 input tokens [{fmt(f.j_per_input_token.low * 1000, 3)}, "
            f"{fmt(f.j_per_input_token.high * 1000, 3)}], {fmt(f.j_per_1k_output, 3)} J per 1,000 output tokens "
            f"[{fmt(f.j_per_output_token.low * 1000, 3)}, {fmt(f.j_per_output_token.high * 1000, 3)}]")
        if f.warning:
            console.print(f"  [yellow]fit warning[/]: {markup_safe(f.warning)}", soft_wrap=True)
    if r.slo:
        console.print(f"  SLO {markup_safe(r.slo)}: {markup_safe(r.slo_note or '')}")
    for lv in r.levels:
        if lv.status != "ok":
            console.print(f"  [red]level {markup_safe(lv.label)} failed[/]: {markup_safe(lv.error or '')}")
            if lv.log_tail:
                console.print("  server log tail:\n" + escape(clean(lv.log_tail, newlines=True)), soft_wrap=True)
        for rep in lv.repeats:
            if rep.short:
                console.print(f"  [yellow]short window[/] {markup_safe(lv.label)} #{rep.index}: "
                              f"{markup_safe(rep.short)}")
    if r.error:
        console.print(f"  [red]run failed[/]: {markup_safe(r.error)}")
    if full:
        for lv in r.levels:
            if lv.status == "ok":
                console.print(f"  {markup_safe(lv.label)} latency ms p50/p90/p99: TTFT " + "/".join(
                    _ms(getattr(lv.ttft_s, p)) for p in ("p50", "p90", "p99")) + ", ITL " + "/".join(
                    _ms(getattr(lv.itl_s, p)) for p in ("p50", "p90", "p99")) + ", TPOT " + "/".join(
                    _ms(getattr(lv.tpot_s, p)) for p in ("p50", "p90", "p99")) + ", E2E " + "/".join(
                    _ms(getattr(lv.e2e_s, p)) for p in ("p50", "p90", "p99")))
            for rep in lv.repeats:
                e = rep.energy
                console.print(f"  {markup_safe(lv.label)} #{rep.index}: {rep.window_s:.2f} s, {rep.requests} requests, "
                              f"{rep.errors} errors, {rep.input_tokens} in / {rep.output_tokens:.0f} out tokens, "
                              f"{fmt(e.total_joules, 4)} J (" + ", ".join(
                                  f"{c.component} {fmt(c.joules, 3)} J {c.provenance.label}" for c in e.components)
                              + f"), generator CPU {rep.generator_cpu_s:.2f} s")


def carbon_line(r: ServingResult) -> str | None:
    """``g CO2e per request: c=1 0.0012, c=4 0.0009 at <factor>`` (plain text); None without a factor."""
    if r.carbon is None or not r.ok_levels:
        return None
    per = ", ".join(f"{lv.label} {fmt(r.g_co2e_per_request(lv), 3)}" for lv in r.ok_levels)
    return f"g CO2e per request: {per}; at {r.carbon.label()}"


def serving_list_table(runs: list[ServingResult], path: object) -> Table:
    """``results list``: one line per serving run, its cheapest level's J per request."""
    t = Table(title=f"{len(runs)} serving run(s) in {path}", title_justify="left", box=box.SIMPLE_HEAD,
              pad_edge=False, collapse_padding=True)
    for c in ("run", "model", "engine", "levels", "status", "J/req", "at", "energy"):
        t.add_column(c, overflow="fold", justify="right" if c in ("J/req", "levels") else "left")
    for r in runs:
        ok = r.ok_levels
        best = min(ok, key=lambda lv: j_of(lv).mean) if ok else None
        if r.slo_best:
            best = next((lv for lv in ok if lv.label == r.slo_best), best)
        kind = provenance_line(r).split(":")[0]
        t.add_row(r.run_id[:8], markup_safe(r.model), markup_safe(r.engine or "-"), str(len(r.levels)),
                  "ok" if r.status == "ok" else "[red]failed[/]", fmt(j_of(best).mean, 3) if best else "-",
                  markup_safe(best.label) if best else "-", kind)
    t.caption = "J/req: whole server energy per request at the SLO's best level, else the least"
    t.caption_justify = "left"
    return t


def print_serving_comparison(a: ServingResult, b: ServingResult, as_json: bool = False) -> None:
    """``compare`` for two serving runs: levels in common, J per request, B/A, Welch p."""
    from wattprint.analysis.serving import compare_serving

    rows = compare_serving(a, b)
    if as_json:
        from dataclasses import asdict

        from wattprint.cli.common import print_json

        print_json({"a": a.run_id, "b": b.run_id, "levels": [asdict(x) | {"significant": x.significant}
                                                                 for x in rows],
                    "notes": _comparison_notes(a, b)})
        return
    if not rows:
        from wattprint.errors import WattprintError

        raise WattprintError("the two serving runs share no load level", hint="run the same --concurrency/--rate")
    t = Table(title=f"A = {a.run_id[:8]} ({markup_safe(a.model)}), B = {b.run_id[:8]} ({markup_safe(b.model)})",
              title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for c in ("level", "A J/req", "B J/req", "B/A", "Welch p", "difference"):
        t.add_column(c, justify="left" if c in ("level", "difference") else "right")
    for x in rows:
        verdict = "larger than the noise" if x.significant else ("within the noise" if x.p_value is not None
                                                                  else "needs 2+ repeats each")
        t.add_row(markup_safe(x.label), fmt(x.a_j, 3), fmt(x.b_j, 3), f"{x.ratio:.2f}",
                  "-" if x.p_value is None else f"{x.p_value:.3g}", verdict)
    console.print(t)
    for note in _comparison_notes(a, b):
        console.print(f"  {markup_safe(note)}", soft_wrap=True)


def _comparison_notes(a: ServingResult, b: ServingResult) -> list[str]:
    """Each side's energy provenance, and which side failed (its finished levels are still compared)."""
    notes = []
    for side, r in (("A", a), ("B", b)):
        notes.append(f"{side} energy: {provenance_line(r)}")
        if r.status != "ok":
            notes.append(f"{side} = {r.run_id[:8]} failed ({r.error or 'no reason stored'}): only its finished "
                         "levels are compared")
    return notes
