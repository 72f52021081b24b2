"""Sweep scaling: wall time of a sweep, sequential vs Ray, and the per-run overhead each executor adds.

Run by hand (not a test):

    python benchmarks/sweep_scaling.py                 # smoke sweep (real runs) + no-op runs
    python benchmarks/sweep_scaling.py --noop-runs 40 --skip-real --json

Three executors on the same runs:

* ``local``: one run after another on this machine;
* ``ray-exclusive``: a local Ray (2 CPUs, ``wattprint_node_lock: 1``): CPU runs are node-exclusive,
  so they still run one at a time, now through Ray;
* ``ray-shared-2``: the same Ray with ``--allow-shared``: two runs at once, results say ``shared-node``.

Figures per executor: wall time (s); ``overhead/run`` = (wall - sum of the runs' own durations) / runs,
the issue's definition, meaningful when runs do not overlap; ``latency overhead/run`` = mean over runs of
(time from start to result on the driver - the run's own duration), meaningful for every executor.
The no-op runner (returns at once, in the executor's process) isolates what the executor itself adds;
the real smoke sweep adds each run's subprocess start (Python + torch import) on top.
Target: under 1 s of executor overhead per run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from wattprint.results.schema import Environment, RunConfig, RunResult, utcnow
from wattprint.results.store import ResultStore
from wattprint.sweep import LocalExecutor, RayExecutor, build_plan, expand, load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]


def noop_runner(config: RunConfig, timeout_s: float | None = None, isolation: str = "process") -> RunResult:
    """Returns an ok result at once: what is left of a run's wall time is the executor's."""
    now = utcnow()
    return RunResult(config=config, started_at=now, finished_at=utcnow(), environment=Environment(isolation=isolation))


def noop_configs(n: int) -> list[RunConfig]:
    return [RunConfig(task="text-classification", model=f"noop-{i}", n=1, repeats=1, idle_s=0) for i in range(n)]


def measure(name: str, configs: list[RunConfig], executor, tmp: Path) -> dict:
    db = tmp / f"{name}-{time.time_ns()}.db"
    with ResultStore(db) as store:
        out = run_sweep(build_plan(configs, store), store, executor)
        isolations = sorted({r.environment.isolation for r in store.list()})
    runs = len(out.records)
    run_sum = sum(r.run_s or 0.0 for r in out.records)
    lat = [r.wall_s - (r.run_s or 0.0) for r in out.records]
    return {
        "executor": name,
        "runs": runs,
        "ok": out.ok,
        "wall_s": round(out.wall_s, 2),
        "sum_run_s": round(run_sum, 2),
        "overhead_s_per_run": round((out.wall_s - run_sum) / runs, 3) if runs else None,
        "latency_overhead_s_per_run": round(statistics.fmean(lat), 3) if lat else None,
        "isolation": isolations,
        "lock": out.executor.get("lock"),
    }


def start_ray(tmp: Path):
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    t0 = time.perf_counter()
    ray.init(address="local", num_cpus=2, num_gpus=0, include_dashboard=False, _temp_dir=str(tmp),
             _node_ip_address="127.0.0.1", resources={"wattprint_node_lock": 1}, log_to_driver=False)
    return ray, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default=str(ROOT / "configs" / "smoke.yaml"))
    ap.add_argument("--noop-runs", type=int, default=20)
    ap.add_argument("--skip-real", action="store_true", help="only the no-op runs")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="wpbench-", dir="/tmp"))
    rows: list[dict] = []
    meta: dict = {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}
    try:
        real = [] if args.skip_real else expand(load_sweep(args.sweep)[0])
        noop = noop_configs(args.noop_runs)
        suites = [("noop", noop, noop_runner)] + ([("smoke", real, None)] if real else [])
        for suite, configs, runner in suites:
            rows.append({"suite": suite, **measure("local", configs, LocalExecutor(runner=runner), tmp)})
        ray, init_s = start_ray(tmp / "ray")
        meta["ray_init_s"] = round(init_s, 2)
        try:
            for suite, configs, runner in suites:
                rows.append({"suite": suite, **measure("ray-exclusive", configs, RayExecutor(runner=runner), tmp)})
                rows.append({"suite": suite, **measure("ray-shared-2", configs,
                                                       RayExecutor(runner=runner, allow_shared=True), tmp)})
        finally:
            ray.shutdown()
        meta["loadavg_end"] = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        print(json.dumps({"meta": meta, "rows": rows}, indent=2))
        return 0
    print(f"cpus={meta['cpus']} load average at start {meta['loadavg_start'][0]:.1f}, "
          f"at end {meta.get('loadavg_end', (float('nan'),))[0]:.1f}; ray init {meta.get('ray_init_s')} s")
    hdr = f"{'suite':6} {'executor':14} {'runs':>4} {'wall s':>7} {'sum run s':>9} {'overhead/run s':>14} " \
          f"{'latency ovh/run s':>17}  isolation (lock)"
    print(hdr)
    for r in rows:
        print(f"{r['suite']:6} {r['executor']:14} {r['runs']:>4} {r['wall_s']:>7.2f} {r['sum_run_s']:>9.2f} "
              f"{r['overhead_s_per_run']:>14.3f} {r['latency_overhead_s_per_run']:>17.3f}  "
              f"{','.join(r['isolation'])} ({r['lock'] or '-'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
