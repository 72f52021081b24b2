"""The serving protocol, one function per phase: probe, idle baseline, levels (x mixes x repeats), fit, SLO.

1. **probe**: the endpoint answers, its model and version are read, fixed output length is checked.
2. **idle**: the loaded server's idle power over ``idle_s`` seconds (W per component), attached to
   every window so figures net of idle can be given beside the whole ones.
3. **levels**: per input/output mix, per level, per repeat, one steady-state window (see
   :mod:`wattprint.serving.loadgen`): the server's energy between the window's edges. A server that
   dies fails the level with its log tail and ends the run; finished levels are kept (``on_level``
   is called after each level so the caller can store them at once).
4. **fit** (two mixes or more) and **SLO** (when given).
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psutil

from wattprint.energy.idle import measure_idle
from wattprint.energy.meterset import MeterSet
from wattprint.energy.window import Window
from wattprint.errors import WattprintError
from wattprint.results.schema import Environment, MeterInfo, utcnow
from wattprint.results.serving import LevelResult, ServingResult
from wattprint.serving.figures import level_figures, repeat_figures
from wattprint.serving.fit import fit_energy, fit_rows
from wattprint.serving.loadgen import Level, LoadGenerator, WindowPolicy
from wattprint.serving.records import LevelLoad
from wattprint.serving.server import ServerHandle
from wattprint.serving.slo import SloTerm, apply_slo


@dataclass
class ServePlan:
    """What to run: levels, input/output mixes (tokens), repeats, window policy, idle seconds."""

    levels: list[Level]
    mixes: list[tuple[int, int]] = field(default_factory=list)  # empty: the prompt source as given
    repeats: int = 3
    policy: WindowPolicy = field(default_factory=WindowPolicy)
    idle_s: float = 10.0
    slo: list[SloTerm] | None = None


def environment(meters: MeterSet) -> Environment:
    """This machine (the server's: serve-bench refuses remote endpoints) and its server meters."""
    from wattprint.energy.cpu_power import cpu_model_name

    infos = []
    for m in meters.meters:
        comps = m.components()
        provs = [m.provenance(c) for c in comps]
        infos.append(MeterInfo(name=m.name, components=comps, measured=all(p.measured for p in provs),
                               note="; ".join(sorted({f"{c}: {p.label}" for c, p in zip(comps, provs, strict=True)}))))
    return Environment(hostname=socket.gethostname(), os=platform.platform(), python=platform.python_version(),
                       cpu_model=cpu_model_name(), cpu_count=os.cpu_count(),
                       ram_gb=round(psutil.virtual_memory().total / 2**30, 1), meters=infos,
                       isolation="shared-node")


T = TypeVar("T")


def _interrupts_are_not_logged(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Ctrl-C and SIGTERM (``Terminated``) are the caller's to report: one that lands inside a request task
    (aiohttp's connection attempts included) is not printed again as 'Task exception was never retrieved'."""
    if isinstance(context.get("exception"), KeyboardInterrupt):
        return
    loop.default_exception_handler(context)


async def _quietly(coro: Awaitable[T]) -> T:
    asyncio.get_running_loop().set_exception_handler(_interrupts_are_not_logged)
    return await coro


def run_async(coro: Awaitable[T]) -> T:
    """``asyncio.run`` for the load generator: an interrupt propagates to the caller once, with no traceback."""
    return asyncio.run(_quietly(coro))


def probe(gen: LoadGenerator, result: ServingResult) -> None:
    """Phase 1: reach the endpoint; record model, engine version and fixed-output support."""
    info = run_async(gen.probe())
    result.model = info.model
    result.engine_version = info.engine_version
    result.fixed_output = info.fixed_output


def idle_baseline(meters: MeterSet, seconds: float, result: ServingResult) -> dict[str, float] | None:
    """Phase 2: the loaded, idle server's power per component (W); None when skipped."""
    if seconds <= 0:
        return None
    result.idle_s = seconds
    result.idle_power_w = measure_idle(meters, seconds)
    return result.idle_power_w


def run_level(gen: LoadGenerator, level: Level, meters: MeterSet, server: ServerHandle, plan: ServePlan,
              idle_w: dict[str, float] | None, mix: str) -> LevelResult:
    """Phase 3, one level: its repeats, each one window; failed with the log tail if the server dies."""
    out = LevelResult(kind=level.kind, value=level.value, label=level.label + (f" {mix}" if mix else ""), mix=mix)
    loads: list[LevelLoad] = []
    for i in range(plan.repeats):
        w = Window(meters, f"{out.label} #{i}", idle_power_w=idle_w)
        load = run_async(gen.run_level(level, plan.policy, on_window_start=w.start, on_window_end=w.stop,
                                         alive=server.alive))
        if w.running:  # the window was open when the level failed: close it, keep nothing from it
            w.stop()
        gone = server.alive()
        if gone and not load.failed:
            load.failed = gone
        if not load.failed and load.window_start is not None and not any(r.ok for r in load.records):
            load.failed = "no request succeeded"
        if load.failed:
            out.status, out.error = "failed", load.failed
            out.log_tail = server.log_tail() or None
            break
        assert w.report is not None
        loads.append(load)
        out.repeats.append(repeat_figures(i, load, w.report))
    return level_figures(out, loads)


def run_levels(gen: LoadGenerator, meters: MeterSet, server: ServerHandle, plan: ServePlan,
               result: ServingResult, on_level: Callable[[ServingResult], None] | None = None) -> None:
    """Phase 3: every mix x level; stops at the first level whose server is gone."""
    idle_w = result.idle_power_w
    mixes: list[tuple[int, int] | None] = list(plan.mixes) or [None]
    for mix in mixes:
        label = ""
        if mix is not None:
            gen.prompts.input_tokens, gen.prompts.output_tokens = mix
            label = f"in={mix[0]} out={mix[1]}" if len(mixes) > 1 else ""
        for level in plan.levels:
            lv = run_level(gen, level, meters, server, plan, idle_w, label)
            result.levels.append(lv)
            if on_level:
                on_level(result)
            if lv.status == "failed" and server.alive():
                result.status, result.error = "failed", f"level {lv.label} failed: {lv.error}"
                result.log_tail = server.log_tail() or None
                return


def finish(result: ServingResult, plan: ServePlan) -> None:
    """Phase 4: the prefill/decode fit (2+ mixes) and the SLO verdict."""
    if len(plan.mixes) >= 2:
        rows = fit_rows([r for lv in result.ok_levels for r in lv.repeats])
        try:
            result.fit = fit_energy(rows)
        except WattprintError as exc:
            result.meter_notes.append(f"prefill/decode fit not made: {exc.message}")
    if plan.slo:
        verdict = apply_slo(plan.slo, result.levels)
        result.slo_best, result.slo_note = verdict.best, verdict.note
    result.finished_at = utcnow()
    if result.levels and not result.ok_levels and result.status == "ok":
        result.status, result.error = "failed", "no level finished"
