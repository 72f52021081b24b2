"""Overhead of wattprint's meters, next to CodeCarbon's OfflineEmissionsTracker.

Run by hand (about 2-3 minutes on 2 cores):  python benchmarks/meter_overhead.py [--pairs N] [--work S]

Measures, and prints as one table plus a JSON line:

1. slowdown of a CPU-bound workload with and without measurement, in paired runs
   whose order alternates (bare first, then tracked first, ...). The tracked run
   opens its meters, measures, and closes them, so start-up cost is included.
   Ratios are per pair (tracked / bare); the median and the spread are reported,
   for wall time and for this process's CPU time (less sensitive to other load).
2. latency of opening + closing one window on an already open meter:
   - the estimation meter (what this VM uses: a psutil walk of the process tree);
   - RAPL against a fake powercap tree on tmpfs (/dev/shm), a proxy for counter
     meters: the same file reads as real sysfs, minus the kernel's MSR read.
3. resident memory added (psutil RSS of a fresh interpreter before and after
   importing and opening), for wattprint and CodeCarbon.
4. whole-process figures, what a user of ``wattprint.track`` pays: the import time
   of ``import wattprint`` + one ``track`` window (``python -X importtime``, the
   top-level imports summed, median of 5 fresh interpreters), and the wall time of
   a fresh interpreter running a ``--process-work`` second CPU job inside
   ``wattprint.track`` (or CodeCarbon's tracker) over the same job bare, in
   alternating pairs (interpreter start, imports, meter start and stop included).

CodeCarbon is a benchmark-only dependency, imported only here; without it that
column is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Callable
from pathlib import Path


def workload(seconds: float) -> int:
    """Pure-Python CPU work sized to take about ``seconds`` on this machine (calibrated once)."""
    n = int(seconds * _RATE)
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1_000_003
    return acc


_RATE = 1.0  # iterations per second, set by calibrate()


def calibrate() -> None:
    global _RATE
    _RATE = 1.0
    n = 2_000_000
    t0 = time.perf_counter()
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1_000_003
    _RATE = n / (time.perf_counter() - t0)


def run_wattprint(seconds: float) -> None:
    from wattprint.energy import Window, open_meters

    ms = open_meters()
    try:
        with Window(ms, "bench"):
            workload(seconds)
    finally:
        ms.close()


def run_codecarbon(seconds: float) -> None:
    from codecarbon import OfflineEmissionsTracker

    tracker = OfflineEmissionsTracker(
        country_iso_code="USA", save_to_file=False, log_level="error", measure_power_secs=15
    )
    tracker.start()
    try:
        workload(seconds)
    finally:
        tracker.stop()


def paired(tracked: Callable[[float], None], seconds: float, pairs: int) -> dict[str, float]:
    """Median (and spread) of tracked/bare ratios over ``pairs`` alternating pairs."""
    wall, cpu = [], []
    for k in range(pairs):
        order = ("bare", "tracked") if k % 2 == 0 else ("tracked", "bare")
        res: dict[str, tuple[float, float]] = {}
        for which in order:
            w0, c0 = time.perf_counter(), time.process_time()
            if which == "bare":
                workload(seconds)
            else:
                tracked(seconds)
            res[which] = (time.perf_counter() - w0, time.process_time() - c0)
        wall.append(res["tracked"][0] / res["bare"][0])
        cpu.append(res["tracked"][1] / res["bare"][1])
    q = statistics.quantiles(wall, n=4) if len(wall) >= 2 else [wall[0]] * 3
    return {
        "wall_ratio_median": statistics.median(wall),
        "wall_ratio_q1": q[0],
        "wall_ratio_q3": q[2],
        "cpu_ratio_median": statistics.median(cpu),
        "pairs": pairs,
    }


def background_cpu(start: Callable[[], Callable[[], None]], seconds: float) -> float:
    """CPU milliseconds per wall second this process spends while a meter is open and idle.

    ``start()`` opens the meter and returns its closer. This isolates the cost of the
    background pollers, which is what slows a workload between window edges; unlike the
    paired ratios it is not drowned by other load on a shared machine.
    """
    stop = start()
    try:
        c0 = time.process_time()  # CLOCK_PROCESS_CPUTIME_ID: every thread, ns resolution
        time.sleep(seconds)
        c1 = time.process_time()
    finally:
        stop()
    return (c1 - c0) / seconds * 1e3


def _open_closer(factory: Callable[[], object]) -> Callable[[], Callable[[], None]]:
    def start() -> Callable[[], None]:
        m = factory()
        return m.close  # type: ignore[attr-defined]

    return start


def _codecarbon_closer() -> Callable[[], None]:
    from codecarbon import OfflineEmissionsTracker

    t = OfflineEmissionsTracker(country_iso_code="USA", save_to_file=False, log_level="error")
    t.start()
    return lambda: t.stop()


#: The CPU job of the whole-process runs: a function running ``n`` iterations of the calibrated loop.
#: A function, as real work is: the same loop at module level runs on global-name lookups, and
#: there any import that changes ``__main__``'s globals moved its speed by up to 12% here.
_JOB_DEF = """
def job(n):
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1_000_003
    return acc
"""
_PROCESS_SNIPPET = {
    "bare": "{define}\n{call}",
    "wattprint": "import wattprint\n{define}\nwith wattprint.track('job'):\n    {call}",
    "codecarbon": (
        "import logging\nfrom codecarbon import OfflineEmissionsTracker\n{define}\n"
        "t = OfflineEmissionsTracker(country_iso_code='USA', save_to_file=False, log_level='error')\n"
        "t.start()\ntry:\n    {call}\nfinally:\n    t.stop()"
    ),
}


def _process_code(tool: str, seconds: float) -> str:
    return _PROCESS_SNIPPET[tool].format(define=_JOB_DEF.strip("\n"), call=f"job({int(seconds * _RATE)})")


def _run_process(code: str) -> tuple[float, float]:
    """(wall s, CPU s) of a fresh interpreter running ``code``; CPU is user + system of it and its children."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, timeout=600, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def process_paired(tools: list[str], seconds: float, pairs: int) -> dict[str, dict[str, float]]:
    """Whole-process wall time, tracked / bare, per tool: median and IQR over alternating pairs.

    Each pair runs the bare job and the tracked job in fresh interpreters, in alternating
    order; so a tool's figure includes its imports, its meter start-up and its shutdown.
    The CPU-time ratio (user + system of the process) is the one to read on a shared machine:
    wall time there mostly measures the other load.
    """
    wall_r: dict[str, list[float]] = {t: [] for t in tools}
    cpu_r: dict[str, list[float]] = {t: [] for t in tools}
    bare_s: list[float] = []
    for k in range(pairs):
        for tool in tools:
            order = ("bare", tool) if k % 2 == 0 else (tool, "bare")
            got = {which: _run_process(_process_code(which, seconds)) for which in order}
            wall_r[tool].append(got[tool][0] / got["bare"][0])
            cpu_r[tool].append(got[tool][1] / got["bare"][1])
            bare_s.append(got["bare"][0])
    out: dict[str, dict[str, float]] = {}
    for tool in tools:
        w, c = wall_r[tool], cpu_r[tool]
        qw = statistics.quantiles(w, n=4) if len(w) >= 2 else [w[0]] * 3
        qc = statistics.quantiles(c, n=4) if len(c) >= 2 else [c[0]] * 3
        out[tool] = {"process_wall_ratio_median": statistics.median(w), "process_wall_ratio_q1": qw[0],
                     "process_wall_ratio_q3": qw[2], "process_cpu_ratio_median": statistics.median(c),
                     "process_cpu_ratio_q1": qc[0], "process_cpu_ratio_q3": qc[2],
                     "process_bare_s_median": statistics.median(bare_s), "process_pairs": pairs}
    return out


def import_ms(code: str, runs: int = 9) -> tuple[float, float]:
    """(best, median) import time (ms) of ``code`` over ``runs`` fresh interpreters, by ``python -X importtime``.

    Sums the cumulative time of the top-level imports made after ``site`` (what ``code``
    imports, directly or lazily while it runs); interpreter start-up is left out. These are
    wall-clock times: on a loaded machine the best of the runs is the figure to quote.
    """
    totals = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                             check=True, timeout=120)
        total_us, after_site = 0, False
        for line in out.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
                continue
            _, cumulative, name = line.split("|", 2)
            if not name.startswith(" ") or name.startswith("  "):
                continue  # nested import: already inside its parent's cumulative time
            if after_site:
                total_us += int(cumulative)
            after_site = after_site or name.strip() == "site"
        totals.append(total_us / 1e3)
    return min(totals), statistics.median(totals)


TRACK_SNIPPET = "import wattprint\nwith wattprint.track('x'):\n    pass"


def use_bytecode_cache() -> None:
    """Fresh interpreters read compiled bytecode, as from an installed package: an editable checkout
    under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every wattprint module in every run.

    The bytecode goes to a temporary ``PYTHONPYCACHEPREFIX`` (the checkout stays clean); one warm-up
    run of each snippet fills it.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="wattprint-bench-pycache-")
    for tool in _PROCESS_SNIPPET:
        try:
            _run_process(_process_code(tool, 0.0))
        except subprocess.CalledProcessError:
            pass  # codecarbon absent: its column is skipped anyway
    _run_process(TRACK_SNIPPET)


def fixed_cost_ms(tool: str, runs: int = 15) -> tuple[float, float]:
    """(wall, CPU) milliseconds a tool adds to a process, whatever the job: best of ``runs`` fresh
    interpreters measuring an empty job, minus best of ``runs`` bare empty interpreters.

    Best-of-N (like ``timeit``) is the figure least disturbed by other load. Imports, meter
    start-up, the window and shutdown are in it; the background poller's cost per second of
    job is measured apart (``background_cpu``).
    """
    def best(code: str) -> tuple[float, float]:
        got = [_run_process(code) for _ in range(runs)]
        return min(w for w, _ in got), min(c for _, c in got)

    bare = best(_process_code("bare", 0.0))
    tracked = best(_process_code(tool, 0.0))
    return (tracked[0] - bare[0]) * 1e3, (tracked[1] - bare[1]) * 1e3


def open_close_ms(factory: Callable[[], object], n: int) -> float:
    """Median milliseconds to open a meter set and close it again."""
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        factory().close()  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3


def window_latency_us(meter_factory: Callable[[], object], n: int) -> float:
    """Median microseconds of Window(m).start(); stop() on an open meter."""
    from wattprint.energy import Window

    m = meter_factory()
    try:
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            Window(m).start().stop()
            samples.append(time.perf_counter() - t0)
    finally:
        m.close()
    return statistics.median(samples) * 1e6


def fake_tree(root: Path) -> Path:
    """A two-socket server tree (package, core, dram per socket) like /sys/class/powercap."""
    for s in range(2):
        pkg = root / f"intel-rapl:{s}"
        for d, name in (
            (pkg, f"package-{s}"),
            (pkg / f"intel-rapl:{s}:0", "core"),
            (pkg / f"intel-rapl:{s}:1", "dram"),
        ):
            d.mkdir(parents=True, exist_ok=True)
            (d / "name").write_text(name + "\n")
            (d / "energy_uj").write_text("123456789\n")
            (d / "max_energy_range_uj").write_text("262143328850\n")
    return root


_RSS_SNIPPET = {
    "wattprint": """
        import psutil, os
        p = psutil.Process()
        before = p.memory_info().rss
        import wattprint.energy as e
        ms = e.open_meters()
        r = e.Window(ms, "x").start().stop()
        after = p.memory_info().rss
        ms.close()
        print(after - before)
    """,
    "codecarbon": """
        import psutil, os, logging
        p = psutil.Process()
        before = p.memory_info().rss
        from codecarbon import OfflineEmissionsTracker
        t = OfflineEmissionsTracker(country_iso_code="USA", save_to_file=False, log_level="error")
        t.start()
        after = p.memory_info().rss
        t.stop()
        print(after - before)
    """,
}


def rss_added_mib(tool: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_RSS_SNIPPET[tool])], capture_output=True, text=True, timeout=120
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed")
    return int(out.stdout.strip().splitlines()[-1]) / 2**20


def codecarbon_latency_ms(n: int) -> float:
    from codecarbon import OfflineEmissionsTracker

    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        t = OfflineEmissionsTracker(country_iso_code="USA", save_to_file=False, log_level="error")
        t.start()
        t.stop()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=8, help="paired runs per tool (default 8)")
    ap.add_argument("--work", type=float, default=1.5, help="workload seconds per run (default 1.5)")
    ap.add_argument("--process-work", type=float, default=5.0,
                    help="CPU job seconds of the whole-process runs (default 5)")
    ap.add_argument("--process-pairs", type=int, default=6, help="whole-process pairs per tool (default 6)")
    ap.add_argument("--process-only", action="store_true", help="only the import time and the whole-process pairs")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    try:
        import codecarbon  # noqa: F401

        have_cc = True
    except ImportError:
        have_cc = False
        print("codecarbon not installed: its column is skipped (pip install codecarbon)", file=sys.stderr)

    calibrate()
    results: dict[str, dict[str, object]] = {"wattprint": {}, "codecarbon": {}}
    from wattprint.energy import MeterSet, open_meters
    from wattprint.energy.rapl import RaplMeter

    results["wattprint"]["meters"] = open_meters().names
    use_bytecode_cache()
    best, median = import_ms(TRACK_SNIPPET)
    results["wattprint"]["import_track_ms_best"] = best
    results["wattprint"]["import_track_ms_median"] = median
    for tool in ["wattprint", "codecarbon"] if have_cc else ["wattprint"]:
        wall_ms, cpu_ms = fixed_cost_ms(tool)
        results[tool]["process_fixed_wall_ms"], results[tool]["process_fixed_cpu_ms"] = wall_ms, cpu_ms
    proc = process_paired(["wattprint", "codecarbon"] if have_cc else ["wattprint"], args.process_work,
                          args.process_pairs)
    for tool, figures in proc.items():
        results[tool].update(figures)
    if not args.process_only:
        results["wattprint"].update(paired(run_wattprint, args.work, args.pairs))
        results["wattprint"]["open_close_ms"] = open_close_ms(open_meters, 10)
        results["wattprint"]["window_us_estimate"] = window_latency_us(lambda: open_meters(["estimate"]), 300)
        shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
        tree = Path(tempfile.mkdtemp(prefix="wattprint-powercap-", dir=shm))
        try:
            fake_tree(tree)
            results["wattprint"]["window_us_rapl_fake_tmpfs"] = window_latency_us(
                lambda: MeterSet([RaplMeter(tree)]), 3000)
        finally:
            shutil.rmtree(tree, ignore_errors=True)
        results["wattprint"]["rss_added_mib"] = rss_added_mib("wattprint")
        results["wattprint"]["background_cpu_ms_per_s"] = background_cpu(_open_closer(open_meters), 10.0)
        if have_cc:
            results["codecarbon"].update(paired(run_codecarbon, args.work, args.pairs))
            results["codecarbon"]["start_stop_ms"] = codecarbon_latency_ms(3)
            results["codecarbon"]["rss_added_mib"] = rss_added_mib("codecarbon")
            results["codecarbon"]["background_cpu_ms_per_s"] = background_cpu(_codecarbon_closer, 16.0)

    w, c = results["wattprint"], results["codecarbon"]
    print(
        f"machine: {os.cpu_count()} CPUs; workload {args.work} s x {args.pairs} alternating pairs; "
        f"python {sys.version.split()[0]}"
    )
    print(f"wattprint auto-detected meters here: {', '.join(w['meters'])}")
    rows = [
        ("import time: import wattprint + one track window (best / median of 9)",
         f"{w['import_track_ms_best']:.1f} / {w['import_track_ms_median']:.1f} ms", "-"),
        (
            "whole process, fixed cost (empty job, best of 15): wall / CPU",
            f"{w['process_fixed_wall_ms']:.0f} / {w['process_fixed_cpu_ms']:.0f} ms",
            f"{c['process_fixed_wall_ms']:.0f} / {c['process_fixed_cpu_ms']:.0f} ms" if c else "-",
        ),
        (
            f"whole process, {args.process_work:g} s CPU job: wall tracked/bare",
            f"{w['process_wall_ratio_median']:.4f} [IQR {w['process_wall_ratio_q1']:.3f}-"
            f"{w['process_wall_ratio_q3']:.3f}]",
            f"{c['process_wall_ratio_median']:.4f} [IQR {c['process_wall_ratio_q1']:.3f}-"
            f"{c['process_wall_ratio_q3']:.3f}]" if c else "-",
        ),
        (
            f"whole process, {args.process_work:g} s CPU job: CPU time tracked/bare",
            f"{w['process_cpu_ratio_median']:.4f} [IQR {w['process_cpu_ratio_q1']:.3f}-"
            f"{w['process_cpu_ratio_q3']:.3f}]",
            f"{c['process_cpu_ratio_median']:.4f} [IQR {c['process_cpu_ratio_q1']:.3f}-"
            f"{c['process_cpu_ratio_q3']:.3f}]" if c else "-",
        ),
    ]
    rows += [] if args.process_only else [
        (
            "slowdown, wall (median tracked/bare)",
            f"{w['wall_ratio_median']:.4f} [IQR {w['wall_ratio_q1']:.3f}-{w['wall_ratio_q3']:.3f}]",
            f"{c['wall_ratio_median']:.4f} [IQR {c['wall_ratio_q1']:.3f}-{c['wall_ratio_q3']:.3f}]" if c else "-",
        ),
        ("slowdown, process CPU time", f"{w['cpu_ratio_median']:.4f}", f"{c['cpu_ratio_median']:.4f}" if c else "-"),
        (
            "background CPU of an open, idle meter (ms per s)",
            f"{w['background_cpu_ms_per_s']:.2f} ({w['background_cpu_ms_per_s'] / 10:.3f}%)",
            f"{c['background_cpu_ms_per_s']:.2f} ({c['background_cpu_ms_per_s'] / 10:.3f}%)" if c else "-",
        ),
        ("window open+close, estimation meter", f"{w['window_us_estimate']:.0f} us", "-"),
        ("window open+close, RAPL fake tree on tmpfs (counter proxy)", f"{w['window_us_rapl_fake_tmpfs']:.0f} us", "-"),
        (
            "open + close the meters / tracker start + stop",
            f"{w['open_close_ms']:.1f} ms",
            f"{c['start_stop_ms']:.0f} ms" if c else "-",
        ),
        (
            "RSS added by import + open + one window",
            f"{w['rss_added_mib']:.1f} MiB",
            f"{c['rss_added_mib']:.1f} MiB" if c else "-",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'wattprint':>32}  {'codecarbon':>32}")
    for label, a, b in rows:
        print(f"{label:{width}}  {a:>32}  {b:>32}")
    print("JSON " + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
