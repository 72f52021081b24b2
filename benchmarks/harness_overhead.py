"""Harness overhead and the cost of ``wattprint demo`` (run by hand, not a test).

1. Overhead inside the measured window: the share of each query window NOT spent
   in ``task.infer`` calls (loop, progress events, the window's own meter reads).
   Every run records, per repeat, the window duration and the summed time of its
   infer calls (``RepeatResult.infer_s``); overhead = 1 - sum(infer_s) / sum(window_s).
   Measured here on (a) a tiny model in process (the worst case: ms inferences)
   and (b) every task of the demo. Target: under 2% on the demo's models.
2. ``wattprint demo``: wall time and peak resident memory of the whole process
   tree (CLI + worker subprocesses, sampled every 0.1 s with psutil).
   Targets: under 5 minutes, peak under 4 GiB.

Usage::

    python benchmarks/harness_overhead.py             # full demo (minutes)
    python benchmarks/harness_overhead.py --quick     # tiny models
    python benchmarks/harness_overhead.py --tasks text-classification,fill-mask --json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil


def overhead_share(results: list[Any]) -> float | None:
    """1 - infer time / window time over all repeats of ``results`` (None without timing)."""
    window = infer = 0.0
    for r in results:
        for rep in r.repeats:
            if rep.infer_s is not None:
                window += rep.energy.duration_s
                infer += rep.infer_s
    return None if window <= 0 else 1.0 - infer / window


def tiny_in_process(n: int = 200, repeats: int = 3) -> dict[str, Any]:
    """Worst case: arch:bert-tiny (about a millisecond per call) in this process."""
    from wattprint.bench.runner import execute
    from wattprint.results.schema import RunConfig

    cfg = RunConfig(task="text-classification", model="arch:bert-tiny", n=n, repeats=repeats, warmup=10, idle_s=0)
    r = execute(cfg, isolation="in-process")
    if r.status != "ok":
        raise SystemExit(f"tiny run failed: {r.error}")
    return {
        "task": cfg.task,
        "model": cfg.model,
        "n": n,
        "repeats": repeats,
        "seconds_per_inference": r.summary.seconds_per_inference,
        "overhead_share": overhead_share([r]),
    }


class TreeSampler:
    """Peak summed RSS (bytes) of a process and all its descendants, sampled every ``period_s``."""

    def __init__(self, pid: int, period_s: float = 0.1) -> None:
        self.root = psutil.Process(pid)
        self.period_s = period_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.period_s)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_demo(quick: bool, tasks: str | None, workdir: Path) -> dict[str, Any]:
    """Run ``wattprint demo`` as a subprocess; wall time, peak tree RSS and per-task overhead."""
    cmd = [sys.executable, "-m", "wattprint.cli.main", "demo", "--db", str(workdir / "demo.db"),
           "--out", str(workdir / "demo")]
    if quick:
        cmd.append("--quick")
    if tasks:
        cmd += ["--tasks", tasks]
    env = dict(os.environ, COLUMNS="160")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    with TreeSampler(proc.pid) as sampler:
        out, _ = proc.communicate()
    wall = time.perf_counter() - t0

    from wattprint.results.store import ResultStore

    with ResultStore(workdir / "demo.db") as store:
        results = store.list()
    per_task = [
        {
            "task": r.config.task,
            "model": r.config.model,
            "status": r.status,
            "n": r.config.n,
            "wh_per_1k": r.summary.wh_per_1k_mean if r.summary else None,
            "seconds_per_inference": r.summary.seconds_per_inference if r.summary else None,
            "overhead_share": overhead_share([r]),
            "worker_peak_rss_mb": r.extra.get("worker_peak_rss_mb"),
        }
        for r in results
    ]
    return {
        "command": " ".join(cmd[2:]),
        "exit_code": proc.returncode,
        "wall_s": wall,
        "peak_tree_rss_gib": sampler.peak / 2**30,
        "overhead_share_all": overhead_share([r for r in results if r.status == "ok"]),
        "overhead_share_max": max((t["overhead_share"] or 0.0 for t in per_task), default=None),
        "per_task": per_task,
        "demo_output": out,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="demo --quick (tiny models)")
    ap.add_argument("--tasks", default=None, help="demo --tasks subset")
    ap.add_argument("--skip-demo", action="store_true", help="only the in-process tiny-model overhead")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    report: dict[str, Any] = {"cpu_count": os.cpu_count(), "load_avg_before": os.getloadavg()}
    report["tiny_in_process"] = tiny_in_process()
    if not args.skip_demo:
        with tempfile.TemporaryDirectory(prefix="wattprint-bench-") as tmp:
            report["demo"] = run_demo(args.quick, args.tasks, Path(tmp))
    report["load_avg_after"] = os.getloadavg()

    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    t = report["tiny_in_process"]
    print(f"tiny model in process ({t['model']}, {t['seconds_per_inference'] * 1000:.2f} ms/inference): "
          f"overhead {t['overhead_share']:.2%} of the query window")
    d = report.get("demo")
    if d:
        print(f"demo: exit {d['exit_code']}, wall {d['wall_s']:.0f} s (target < 300 s), "
              f"peak tree RSS {d['peak_tree_rss_gib']:.2f} GiB (target < 4 GiB)")
        print(f"demo overhead in the query window: all tasks {d['overhead_share_all']:.3%}, "
              f"worst task {d['overhead_share_max']:.3%} (target < 2%)")
        for x in d["per_task"]:
            oh = "-" if x["overhead_share"] is None else f"{x['overhead_share']:.3%}"
            spi = "-" if x["seconds_per_inference"] is None else f"{x['seconds_per_inference']:.3f}"
            print(f"  {x['task']:<22} {x['model']:<22} n={x['n']:<3} {spi:>7} s/inf  overhead {oh:>8}  "
                  f"worker peak {x['worker_peak_rss_mb']} MB  {x['status']}")
        print("demo output:")
        print(d["demo_output"])
    print(f"load average before {report['load_avg_before']}, after {report['load_avg_after']} "
          f"on {report['cpu_count']} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
