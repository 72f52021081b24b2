"""GPU validation pack: does wattprint's GPU counter path tell the truth on this machine?

One command, under 10 minutes on one GPU, writes ``gpu_validation.json`` and ``gpu_validation.md``::

    python benchmarks/gpu_validation.py --out docs/validation/          # the whole pack
    python benchmarks/gpu_validation.py --quick --out /tmp/gv           # shorter loads, fewer inferences

Six steps, each isolated (a failure is recorded with its error and the others still run; the
report lists the steps that are missing, failed or skipped, with the reason):

1. meters: ``wattprint meters`` as JSON; driver, GPU model, whether NVML's total-energy counter exists.
2. counter vs integration: a matmul loop at three sizes (light, medium, full) measured at once by
   wattprint's NVML counter window and by NVML power polled at a fixed period and integrated
   (trapezoid); their ratio per level (target 0.98-1.02); the counter's update period as observed.
3. idle: idle power per GPU over 20 s and its share of a short run; with ``CUDA_VISIBLE_DEVICES`` set
   to one GPU, only that GPU is metered (checked when the machine has more than one).
4. synchronisation: the same asynchronous kernels in a window closed without, then with CUDA sync.
5. the study's tasks on the GPU (full-size reference architectures, batch 1), ranked against the
   study's Table 2 (Spearman), Wh per 1,000 side by side with it.
6. overhead: window open + close latency (NVML; and the CPU meters), paired slowdown of a GPU loop
   with and without ``wattprint.track``.

Without a GPU the CPU-side parts run (step 1, the CPU half of step 6), the rest are skipped
with the reason, and the exit code is 0. Exit code 1 when a step failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

#: matmul side per load level (fp16 on the GPU)
LEVELS = {"light": 1024, "medium": 4096, "full": 8192}
#: seconds of load per level in step 2 (quick: a quarter)
LOAD_S = 20.0
#: power polling period of the independent integration in step 2 (s)
POWER_PERIOD_S = 0.02
IDLE_S = 20.0
TOTAL_BUDGET_S = 570.0

#: step 5: inferences per repeat by task (batch 1), sized to fit the pack's budget on one GPU
STUDY_N = {"text-classification": 1000, "token-classification": 1000, "question-answering": 1000,
           "fill-mask": 1000, "image-classification": 1000, "object-detection": 200, "text-generation": 100,
           "summarization": 50, "image-to-text": 100, "text-to-image": 3}
#: the study's text-to-image settings (when time allows: 3 images, stated)
TEXT_TO_IMAGE = {"num_inference_steps": 50, "height": 512, "width": 512}
STUDY_TASK_TIMEOUT_S = 60.0


class StepSkipped(Exception):
    """Raised by a step that cannot run here; the message is the reason."""


@dataclass
class StepResult:
    name: str
    title: str
    status: str = "missing"  # ok | failed | skipped | missing
    seconds: float = 0.0
    reason: str = ""
    error: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What the steps use: NVML (the pynvml module, or None and why), CUDA (torch usable, or why not), loads.

    ``load(level, seconds)`` runs a GPU load and returns its iteration count; ``async_burst(n)``
    enqueues ``n`` kernels without waiting. Tests replace them (and ``nvml``) with fakes.
    """

    nvml: Any = None
    nvml_reason: str = ""
    cuda: bool = False
    cuda_reason: str = ""
    gpu_index: int = 0
    load: Callable[[str, float], int] | None = None
    async_burst: Callable[[int], None] | None = None
    sync: Callable[[], None] | None = None
    quick: bool = False
    deadline: float = float("inf")

    def need_gpu(self) -> None:
        if self.nvml is None:
            raise StepSkipped(f"no NVML: {self.nvml_reason}")
        if not self.cuda or self.load is None:
            raise StepSkipped(f"no CUDA GPU for the load: {self.cuda_reason}")

    def seconds(self, full: float) -> float:
        return full / 4 if self.quick else full


# -- the machine -----------------------------------------------------------------------------------

def detect(quick: bool = False, budget_s: float = TOTAL_BUDGET_S) -> Context:
    """NVML and CUDA as found on this machine; nothing fails here."""
    ctx = Context(quick=quick, deadline=time.monotonic() + budget_s)
    try:
        import pynvml

        pynvml.nvmlInit()
        if pynvml.nvmlDeviceGetCount() < 1:
            ctx.nvml_reason = "NVML reports no GPU"
        else:
            ctx.nvml = pynvml
    except Exception as exc:  # no driver, no library
        ctx.nvml_reason = f"{type(exc).__name__}: {exc}"[:200]
    try:
        import torch

        if torch.cuda.is_available():
            ctx.cuda = True
            ctx.load, ctx.async_burst, ctx.sync = _torch_load, _torch_async_burst, torch.cuda.synchronize
            ctx.gpu_index = _physical_index(torch)
        else:
            ctx.cuda_reason = f"torch {torch.__version__} sees no CUDA device (CPU build or no GPU)"
    except ImportError:
        ctx.cuda_reason = "torch is not installed"
    return ctx


def _physical_index(torch: Any) -> int:
    """The physical (NVML) index of cuda:0, from CUDA_VISIBLE_DEVICES when it holds an index."""
    first = (os.environ.get("CUDA_VISIBLE_DEVICES") or "0").split(",")[0].strip()
    return int(first) if first.isdigit() else 0


_MATS: dict[int, Any] = {}


def _mat(n: int) -> Any:
    import torch

    if n not in _MATS:
        _MATS[n] = torch.randn(n, n, device="cuda", dtype=torch.float16)
    return _MATS[n]


def _torch_load(level: str, seconds: float) -> int:
    """Matmuls of side LEVELS[level] for ``seconds`` (synchronised every 8), returns the count."""
    import torch

    a = _mat(LEVELS[level])
    t_end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < t_end:
        for _ in range(8):
            a @ a
        torch.cuda.synchronize()
        n += 8
    return n


def _torch_async_burst(n: int) -> None:
    a = _mat(LEVELS["full"])
    for _ in range(n):
        a @ a  # queued; returns before the GPU is done


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


# -- steps ------------------------------------------------------------------------------------------

def step_meters(ctx: Context) -> dict[str, Any]:
    """`wattprint meters` as JSON, plus driver, GPU models and whether each GPU has the energy counter."""
    from wattprint.energy.registry import describe

    out: dict[str, Any] = {"meters": [d.as_dict() for d in describe()], "python": sys.version.split()[0],
                           "host": platform.node(), "platform": platform.platform()}
    try:
        import torch

        out["torch"] = torch.__version__
        out["torch_cuda"] = getattr(torch.version, "cuda", None)
    except ImportError:
        out["torch"] = None
    if ctx.nvml is None:
        out["gpus"] = []
        out["note"] = f"no NVML: {ctx.nvml_reason}"
        return out
    nv = ctx.nvml
    out["driver"] = _text(nv.nvmlSystemGetDriverVersion()) if hasattr(nv, "nvmlSystemGetDriverVersion") else None
    gpus = []
    for i in range(int(nv.nvmlDeviceGetCount())):
        h = nv.nvmlDeviceGetHandleByIndex(i)
        row: dict[str, Any] = {"index": i, "name": _text(nv.nvmlDeviceGetName(h)),
                               "uuid": _text(nv.nvmlDeviceGetUUID(h))}
        try:
            nv.nvmlDeviceGetTotalEnergyConsumption(h)
            row["energy_counter"] = True
        except Exception as exc:
            row["energy_counter"] = False
            row["counter_error"] = str(exc)[:120]
        gpus.append(row)
    out["gpus"] = gpus
    return out


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


class PowerIntegrator:
    """Polls NVML power of one GPU every ``period_s`` in a thread; trapezoid integral in J."""

    def __init__(self, nv: Any, handle: Any, period_s: float) -> None:
        self.nv, self.handle, self.period_s = nv, handle, period_s
        self.samples: list[tuple[float, float]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append((time.perf_counter(), self.nv.nvmlDeviceGetPowerUsage(self.handle) / 1000.0))
            except Exception as exc:
                self.errors.append(str(exc)[:120])
                if len(self.errors) > 20:
                    return
            self._stop.wait(self.period_s)

    def __enter__(self) -> PowerIntegrator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def joules(self, t_start: float, t_end: float) -> float:
        """Trapezoid integral of the samples clipped to ``[t_start, t_end]`` (perf_counter seconds), J."""
        s = self.samples
        total = 0.0
        for (t0, p0), (t1, p1) in zip(s, s[1:], strict=False):
            a, b = max(t0, t_start), min(t1, t_end)
            if b <= a or t1 <= t0:
                continue
            pa = p0 + (p1 - p0) * (a - t0) / (t1 - t0)
            pb = p0 + (p1 - p0) * (b - t0) / (t1 - t0)
            total += 0.5 * (pa + pb) * (b - a)
        return total


def counter_update_period(nv: Any, handle: Any, seconds: float) -> float | None:
    """Median time between changes of the NVML energy counter, polled as fast as possible (s)."""
    changes, last, t_end = [], None, time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        v = nv.nvmlDeviceGetTotalEnergyConsumption(handle)
        now = time.perf_counter()
        if last is not None and v != last[1]:
            changes.append(now)
        if last is None or v != last[1]:
            last = (now, v)
        time.sleep(0.0005)
    gaps = [b - a for a, b in zip(changes, changes[1:], strict=False)]
    return _median(gaps)


def check_reads(meter: Any) -> None:
    """Raise when any NVML read failed in ``meter`` (the meter kept its last value: the figure is not usable)."""
    bad = [f"{d.component} ({d.failed} failed reads)" for d in getattr(meter, "devices", []) if d.failed]
    if bad:
        raise RuntimeError("NVML reads failed during the step: " + ", ".join(bad)
                           + "; the GPU may have disappeared or the driver erred")


def step_counter_vs_integration(ctx: Context) -> dict[str, Any]:
    """Per load level: wattprint's counter (its NVML meter) vs NVML power polled and integrated; counter period."""
    ctx.need_gpu()
    from wattprint.energy.nvml import NvmlMeter

    nv = ctx.nvml
    handle = nv.nvmlDeviceGetHandleByIndex(ctx.gpu_index)
    meter = NvmlMeter(gpus=[ctx.gpu_index], start_poller=True)
    comp = f"gpu:{ctx.gpu_index}"
    levels = {}
    try:
        method = meter.provenance(comp).method.value
        for level in LEVELS:
            with PowerIntegrator(nv, handle, POWER_PERIOD_S) as poll:
                time.sleep(2 * POWER_PERIOD_S)  # samples on both sides of the window
                meter.sync()
                t0, r0 = time.perf_counter(), meter.read()[comp]
                iters = ctx.load(level, ctx.seconds(LOAD_S))  # type: ignore[misc]
                meter.sync()
                t1, r1 = time.perf_counter(), meter.read()[comp]
                time.sleep(2 * POWER_PERIOD_S)
            check_reads(meter)
            if poll.errors:
                raise RuntimeError(f"NVML power reads failed: {poll.errors[0]}")
            counter_j, integ_j = r1 - r0, poll.joules(t0, t1)
            levels[level] = {
                "matmul_side": LEVELS[level], "iterations": iters, "seconds": t1 - t0, "counter_j": counter_j,
                "integrated_j": integ_j, "mean_power_w": counter_j / max(t1 - t0, 1e-9),
                "ratio_integrated_to_counter": integ_j / counter_j if counter_j > 0 else None,
                "power_samples": len(poll.samples),
            }
        period = counter_update_period(nv, handle, 1.0 if ctx.quick else 2.0)
    finally:
        meter.close()
    ratios = [v["ratio_integrated_to_counter"] for v in levels.values() if v["ratio_integrated_to_counter"]]
    return {"wattprint_method": method, "power_period_s": POWER_PERIOD_S, "levels": levels,
            "counter_update_period_s": period,
            "within_2pct": all(abs(r - 1) <= 0.02 for r in ratios) if ratios else None}


def step_idle(ctx: Context) -> dict[str, Any]:
    """Idle power per GPU, its share of a short run, and that only CUDA_VISIBLE_DEVICES GPUs are metered."""
    ctx.need_gpu()
    from wattprint.energy.idle import measure_idle
    from wattprint.energy.nvml import NvmlMeter
    from wattprint.energy.window import Window

    all_gpus = NvmlMeter(gpus="all")
    try:
        idle = measure_idle(all_gpus, ctx.seconds(IDLE_S))
        check_reads(all_gpus)
    finally:
        all_gpus.close()
    comp = f"gpu:{ctx.gpu_index}"
    meter = NvmlMeter(gpus=[ctx.gpu_index])
    try:
        with Window(meter, "short run") as w:
            ctx.load("medium", ctx.seconds(5.0))  # type: ignore[misc]
        check_reads(meter)
    finally:
        meter.close()
    rep = w.report
    idle_j = idle.get(comp, 0.0) * rep.duration_s  # type: ignore[union-attr]
    total = rep.joules[comp]  # type: ignore[union-attr]
    count = int(ctx.nvml.nvmlDeviceGetCount())
    visible: dict[str, Any] = {"gpus_on_machine": count}
    if count > 1:
        saved = os.environ.get("CUDA_VISIBLE_DEVICES")
        os.environ["CUDA_VISIBLE_DEVICES"] = str(ctx.gpu_index)
        try:
            m = NvmlMeter()
            visible["components_with_one_visible"] = m.components()
            m.close()
        finally:
            if saved is None:
                os.environ.pop("CUDA_VISIBLE_DEVICES", None)
            else:
                os.environ["CUDA_VISIBLE_DEVICES"] = saved
        visible["only_visible_counted"] = visible["components_with_one_visible"] == [comp]
    else:
        visible["note"] = "one GPU on this machine: the visibility check needs two or more"
    return {"idle_seconds": ctx.seconds(IDLE_S), "idle_power_w": idle,
            "short_run": {"seconds": rep.duration_s, "joules": total,  # type: ignore[union-attr]
                          "idle_share": idle_j / total if total > 0 else None},
            "visibility": visible}


class _NoSync:
    """A meter wrapper whose window edges do not synchronise CUDA (to show what that loses)."""

    def __init__(self, meter: Any) -> None:
        self.m = meter

    def __getattr__(self, name: str) -> Any:
        return getattr(self.m, name)

    def sync(self) -> None:
        pass


def step_sync(ctx: Context) -> dict[str, Any]:
    """Asynchronous kernels in a window closed without CUDA sync vs with it."""
    ctx.need_gpu()
    if ctx.async_burst is None or ctx.sync is None:
        raise StepSkipped("no asynchronous kernel launcher here")
    from wattprint.energy.nvml import NvmlMeter
    from wattprint.energy.window import Window

    comp = f"gpu:{ctx.gpu_index}"
    n = 100 if ctx.quick else 400
    meter = NvmlMeter(gpus=[ctx.gpu_index])
    out = {}
    try:
        ctx.sync()
        for label, m in (("without_sync", _NoSync(meter)), ("with_sync", meter)):
            with Window(m, label) as w:  # type: ignore[arg-type]
                ctx.async_burst(n)
            ctx.sync()  # drain before the next case
            out[label] = {"seconds": w.report.duration_s, "joules": w.report.joules[comp]}  # type: ignore[union-attr]
        check_reads(meter)
    finally:
        meter.close()
    a, b = out["without_sync"], out["with_sync"]
    out["kernels"] = n
    out["share_missed_without_sync"] = 1 - a["joules"] / b["joules"] if b["joules"] > 0 else None
    return out


def step_study_tasks(ctx: Context) -> dict[str, Any]:
    """The ten study tasks on the GPU (full-size reference architectures, batch 1) against Table 2."""
    ctx.need_gpu()
    from wattprint.bench import demo as d
    from wattprint.bench.reference import STUDY_TASKS
    from wattprint.bench.runner import run_in_subprocess

    results, settings = [], {}
    for task in STUDY_TASKS:
        left = ctx.deadline - time.monotonic() - 60.0  # keep a minute for step 6
        if left < 20:
            settings[task] = "not run: out of time"
            continue
        base = d.demo_config(task)
        cfg = base.model_copy(update={
            "device": "cuda", "n": max(1, STUDY_N[task] // (10 if ctx.quick else 1)), "repeats": 2,
            "warmup": 2, "idle_s": 2.0, "dtype": "float16" if task == "text-to-image" else "float32",
            "task_options": dict(TEXT_TO_IMAGE) if task == "text-to-image" else dict(base.task_options),
        })
        settings[task] = {"n": cfg.n, "repeats": cfg.repeats, "model": cfg.model, "options": cfg.task_options}
        results.append(run_in_subprocess(cfg, timeout_s=min(STUDY_TASK_TIMEOUT_S * (3 if task == "text-to-image"
                                                                                 else 1), left)))
    rows = d.ranked(results)
    table = []
    for row in rows:
        r = row.result
        table.append({"task": r.config.task, "model": r.config.model, "status": r.status, "error": r.error,
                      "wh_per_1k": row.wh, "measured_share": r.summary.measured_share if r.summary else None,
                      "study_wh_per_1k": row.study.wh_per_1k_mean if row.study else None,
                      "study_over_ours": (1 / row.ratio_to_study) if row.ratio_to_study else None})
    return {"settings": settings, "rows": table, "spearman_vs_study": d.spearman_vs_study(rows),
            "note": "the study measured one A100 of an 8-GPU node with 7 idle GPUs and constant RAM (430.8 W) and "
                    "CPU (42.5 W) power counted; wattprint counts the GPU used and measured CPU/RAM only"}


def _latency_us(meter: Any, n: int) -> float:
    from wattprint.energy.window import Window

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        w = Window(meter)
        w.start()
        w.stop()
        times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times)


def step_overhead(ctx: Context) -> dict[str, Any]:
    """Window open + close latency (CPU meters always; NVML on a GPU) and the paired GPU slowdown of track()."""
    from wattprint.energy.registry import open_meters

    out: dict[str, Any] = {}
    cpu = open_meters(None)
    try:
        out["cpu_meters"] = cpu.components()
        out["window_latency_us_cpu_meters"] = _latency_us(cpu, 50 if ctx.quick else 200)
    finally:
        cpu.close()
    try:
        ctx.need_gpu()
    except StepSkipped as exc:
        out["gpu"] = f"skipped: {exc}"
        return out
    import wattprint
    from wattprint.energy.nvml import NvmlMeter

    m = NvmlMeter(gpus=[ctx.gpu_index])
    try:
        out["window_latency_us_nvml"] = _latency_us(m, 100 if ctx.quick else 500)
        check_reads(m)
    finally:
        m.close()
    ratios = []
    for i in range(3 if ctx.quick else 6):
        pair = {}
        for tracked in ((False, True) if i % 2 == 0 else (True, False)):
            t0 = time.perf_counter()
            if tracked:
                with wattprint.track("gpu-loop"):
                    ctx.load("medium", 2.0)  # type: ignore[misc]
            else:
                ctx.load("medium", 2.0)  # type: ignore[misc]
            pair[tracked] = time.perf_counter() - t0
        ratios.append(pair[True] / pair[False])
    out["paired_wall_ratio_tracked_over_bare"] = {"median": statistics.median(ratios), "all": ratios,
                                                  "note": "fixed-time loads: the ratio is of wall time incl. "
                                                          "meter start-up; iterations are what vary"}
    return out


STEPS: list[tuple[str, str, Callable[[Context], dict[str, Any]]]] = [
    ("meters", "1. Meters", step_meters),
    ("counter_vs_integration", "2. Counter vs power integration", step_counter_vs_integration),
    ("idle", "3. Idle power and visible GPUs", step_idle),
    ("sync", "4. Synchronisation", step_sync),
    ("study_tasks", "5. The study's tasks on the GPU", step_study_tasks),
    ("overhead", "6. Overhead", step_overhead),
]


def run_step(ctx: Context, name: str, title: str, fn: Callable[[Context], dict[str, Any]]) -> StepResult:
    """Run one step in isolation: its failure (any exception but Ctrl-C) is recorded, never raised."""
    res = StepResult(name=name, title=title)
    t0 = time.monotonic()
    if t0 > ctx.deadline:
        res.status, res.reason = "skipped", "out of time (the pack's budget is spent)"
        return res
    try:
        res.data = fn(ctx)
        res.status = "ok"
    except StepSkipped as exc:
        res.status, res.reason = "skipped", str(exc)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a failing step is a finding, not a crash
        res.status = "failed"
        res.error = f"{type(exc).__name__}: {exc}"[:500]
        res.data["traceback_tail"] = traceback.format_exc().strip().splitlines()[-3:]
    res.seconds = time.monotonic() - t0
    return res


def run_pack(ctx: Context, only: list[str] | None = None) -> dict[str, Any]:
    """Every step (or ``only`` these), in order; returns the whole report document."""
    started = datetime.now(timezone.utc)
    results = []
    for name, title, fn in STEPS:
        if only and name not in only:
            results.append(StepResult(name=name, title=title, status="missing", reason="not selected (--steps)"))
            continue
        results.append(run_step(ctx, name, title, fn))
    meters = next((r.data for r in results if r.name == "meters" and r.status == "ok"), {})
    gpus = meters.get("gpus") or []
    return {
        "pack": "wattprint GPU validation", "version": 1,
        "started_at": started.isoformat(), "finished_at": datetime.now(timezone.utc).isoformat(),
        "quick": ctx.quick, "gpu_model": gpus[ctx.gpu_index]["name"] if len(gpus) > ctx.gpu_index else None,
        "driver": meters.get("driver"), "host": meters.get("host"),
        "steps": [asdict(r) for r in results],
        "missing_steps": [f"{r.title}: {r.status} ({r.error or r.reason})" for r in results if r.status != "ok"],
    }


# -- the report ------------------------------------------------------------------------------------

def _f(x: Any, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def markdown(doc: dict[str, Any]) -> str:
    """The Markdown report: headline, one section per step, what is missing."""
    lines = [f"# wattprint GPU validation, {doc['started_at'][:10]}", "",
             f"GPU: {doc['gpu_model'] or 'none'}; driver: {doc['driver'] or '-'}; host: {doc['host'] or '-'}; "
             f"quick: {doc['quick']}; started {doc['started_at'][:19]}Z, finished {doc['finished_at'][:19]}Z.", ""]
    if doc["missing_steps"]:
        lines += ["**Missing steps** (skipped or failed; no figure from them):", ""]
        lines += [f"- {m}" for m in doc["missing_steps"]] + [""]
    else:
        lines += ["All six steps ran.", ""]
    for s in doc["steps"]:
        lines += [f"## {s['title']}: {s['status']} ({s['seconds']:.1f} s)", ""]
        if s["status"] != "ok":
            lines += [f"{s['error'] or s['reason']}", ""]
            continue
        d = s["data"]
        if s["name"] == "meters":
            lines += [f"- meters available: {', '.join(m['name'] for m in d['meters'] if m.get('available')) or '-'}",
                      f"- torch {d.get('torch')}, CUDA {d.get('torch_cuda')}, Python {d.get('python')}"]
            lines += [f"- gpu:{g['index']} {g['name']}: NVML energy counter {'yes' if g['energy_counter'] else 'no'}"
                      for g in d.get("gpus", [])] or [f"- {d.get('note', 'no GPU')}"]
        elif s["name"] == "counter_vs_integration":
            lines += [f"wattprint method: {d['wattprint_method']}; power polled every {d['power_period_s']} s; "
                      f"counter update period observed: {_f(d['counter_update_period_s'])} s; all within 2%: "
                      f"{d['within_2pct']}", "", "| level | matmul | s | W | counter J | integrated J | ratio |",
                      "|---|---|---|---|---|---|---|"]
            lines += [f"| {k} | {v['matmul_side']} | {_f(v['seconds'])} | {_f(v['mean_power_w'])} | "
                      f"{_f(v['counter_j'])} | {_f(v['integrated_j'])} | {_f(v['ratio_integrated_to_counter'])} |"
                      for k, v in d["levels"].items()]
        elif s["name"] == "idle":
            lines += [f"- idle power over {d['idle_seconds']:g} s: "
                      + ", ".join(f"{k} {v:.1f} W" for k, v in d["idle_power_w"].items()),
                      f"- idle share of a {d['short_run']['seconds']:.1f} s run: {_f(d['short_run']['idle_share'])}",
                      f"- visibility: {json.dumps(d['visibility'])}"]
        elif s["name"] == "sync":
            lines += [f"- {d['kernels']} asynchronous matmuls; without sync: {_f(d['without_sync']['seconds'])} s, "
                      f"{_f(d['without_sync']['joules'])} J; with sync: {_f(d['with_sync']['seconds'])} s, "
                      f"{_f(d['with_sync']['joules'])} J; share missed without sync: "
                      f"{_f(d['share_missed_without_sync'])}"]
        elif s["name"] == "study_tasks":
            lines += [f"Spearman vs Table 2: {_f(d['spearman_vs_study'])}. {d['note']}.", "",
                      "| task | model | Wh/1k | measured | study Wh/1k | study / ours | status |",
                      "|---|---|---|---|---|---|---|"]
            lines += [f"| {r['task']} | {r['model']} | {_f(r['wh_per_1k'])} | {_f(r['measured_share'])} | "
                      f"{_f(r['study_wh_per_1k'])} | {_f(r['study_over_ours'])} | {r['status']} {r['error'] or ''} |"
                      for r in d["rows"]]
            lines += ["", "Settings: " + json.dumps(d["settings"])]
        elif s["name"] == "overhead":
            lines += [f"- window open + close, CPU meters ({', '.join(d['cpu_meters'])}): "
                      f"{_f(d['window_latency_us_cpu_meters'])} us"]
            if "window_latency_us_nvml" in d:
                r = d["paired_wall_ratio_tracked_over_bare"]
                lines += [f"- window open + close, NVML: {_f(d['window_latency_us_nvml'])} us",
                          f"- paired wall ratio tracked / bare (GPU loop): median {_f(r['median'])} over "
                          f"{len(r['all'])} pairs"]
            else:
                lines += [f"- GPU part: {d['gpu']}"]
        lines.append("")
    return "\n".join(lines)


def write(doc: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    j, m = out / "gpu_validation.json", out / "gpu_validation.md"
    j.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    m.write_text(markdown(doc) + "\n")
    return j, m


def main(argv: list[str] | None = None, ctx: Context | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("gpu-validation"), help="folder for the JSON and Markdown")
    p.add_argument("--quick", action="store_true", help="quarter-length loads, a tenth of the inferences")
    p.add_argument("--steps", default="", help="comma-separated subset: " + ",".join(n for n, _, _ in STEPS))
    p.add_argument("--budget-s", type=float, default=TOTAL_BUDGET_S, help="stop starting steps after this (s)")
    a = p.parse_args(argv)
    only = [s.strip() for s in a.steps.split(",") if s.strip()] or None
    unknown = [s for s in only or [] if s not in {n for n, _, _ in STEPS}]
    if unknown:
        p.error(f"unknown step(s) {unknown}")
    if not (math.isfinite(a.budget_s) and a.budget_s > 0):
        p.error(f"--budget-s must be a positive number of seconds, got {a.budget_s}")
    try:  # the folder is made and tried before minutes of measuring, never after
        a.out.mkdir(parents=True, exist_ok=True)
        probe = a.out / ".gpu_validation.write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        p.error(f"--out {a.out}: cannot write there ({exc.strerror or exc}); give a folder you can write")
    ctx = ctx or detect(a.quick, a.budget_s)
    doc = run_pack(ctx, only)
    j, m = write(doc, a.out)
    for s in doc["steps"]:
        print(f"{s['title']}: {s['status']} ({s['seconds']:.1f} s) {s['error'] or s['reason']}")
    print(f"wrote {j} and {m}")
    return 1 if any(s["status"] == "failed" for s in doc["steps"]) else 0


if __name__ == "__main__":
    sys.exit(main())
