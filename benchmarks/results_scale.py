"""Results at scale: import, store size, report and list over N CodeCarbon runs (default 1,000,000).

Run by hand (not a test), from the repository root:

    python benchmarks/results_scale.py                  # 1,000,000 rows (minutes; a few GB of temp disk)
    python benchmarks/results_scale.py --rows 50000 --json

It writes study-like CodeCarbon logs (``tests/fakes_codecarbon.py``: 14 study-named emissions
files, a GPU power that varies, CPU and RAM at CodeCarbon's constants) into a temporary folder,
then times each command in its own process and reads its peak resident memory: that of its
largest process (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper that ran only that
command) and the peak of the sum over its processes (the import's worker processes included;
``psutil``, sampled every 0.1 s; pages a forked worker shares with its parent counted twice):

* ``wattprint import codecarbon LOGS --json`` (streamed, one transaction);
* the store's size per run (file size after a WAL checkpoint / runs);
* ``wattprint report --json`` and ``wattprint report --html`` over every stored run;
* ``wattprint results list --task T --model M`` (the latest 200 of the matching runs) and
  ``results list --task T --limit 50 --json``.

Targets (issue #15): import < 30 s and < 1 GiB; report --json/--html < 10 s and < 1 GiB;
results list with filters < 1 s; < 1 KB per imported run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes_codecarbon import FILES, write_study_logs  # noqa: E402

TARGETS = {"import": (30.0, 1024), "report --json": (10.0, 1024), "report --html": (10.0, 1024),
           "results list (filtered)": (1.0, None), "results list --limit 50 --json": (1.0, None)}
_WRAP = ("import resource, subprocess, sys, threading, time\n"
         "import psutil\n"
         "t = time.perf_counter()\n"
         "p = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], 'wb'), stderr=subprocess.PIPE)\n"
         "peak = [0]\n"
         "def watch():\n"
         "    me = psutil.Process(p.pid)\n"
         "    while p.poll() is None:\n"
         "        try:\n"
         "            peak[0] = max(peak[0], sum(x.memory_info().rss for x in [me, *me.children(True)]))\n"
         "        except psutil.Error:\n"
         "            pass\n"
         "        time.sleep(0.1)\n"
         "threading.Thread(target=watch, daemon=True).start()\n"
         "err = p.communicate()[1]\n"
         "wall = time.perf_counter() - t\n"
         "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
         "sys.stderr.write(err.decode(errors='replace')[-2000:])\n"
         "print(p.returncode, wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime, peak[0])\n")


def timed(name: str, argv: list[str], out: Path, env: dict[str, str]) -> dict:
    """Run ``argv`` in a wrapper process; its wall time (s), CPU time (s) and peak RSS (MiB)."""
    p = subprocess.run([sys.executable, "-c", _WRAP, str(out), *argv], capture_output=True, text=True, env=env)
    rc, wall, rss_kb, cpu, tree = p.stdout.split()
    if int(rc) != 0:
        raise SystemExit(f"{name} failed ({rc}): {p.stderr[-2000:]}")
    return {"step": name, "wall_s": round(float(wall), 2), "cpu_s": round(float(cpu), 2),
            "peak_mib": round(int(rss_kb) / 1024, 1), "tree_peak_mib": round(int(tree) / 2**20, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="CodeCarbon rows (= runs) to import")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="wattprint-scale-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("WATTPRINT_DB", None)
    wp = [sys.executable, "-m", "wattprint"]
    try:
        t0 = time.perf_counter()
        files = write_study_logs(tmp / "logs", args.rows, seed=15)
        gen_s = time.perf_counter() - t0
        log_mb = sum(f.stat().st_size for f in files) / 1e6
        db = tmp / "w.db"
        steps = [timed("import", [*wp, "import", "codecarbon", str(tmp / "logs"), "--db", str(db), "--json"],
                       tmp / "import.json", env)]
        imported = json.loads((tmp / "import.json").read_text())
        with sqlite3.connect(db) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            runs = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        size = db.stat().st_size
        steps.append(timed("report --json", [*wp, "report", "--db", str(db), "--json"], tmp / "report.json", env))
        steps.append(timed("report --html", [*wp, "report", "--db", str(db), "--html", str(tmp / "r.html")],
                           tmp / "report.txt", env))
        stem = next(iter(FILES))
        task = json.loads((tmp / "report.json").read_text())["leaderboard"][0]
        steps.append(timed("results list (filtered)", [*wp, "results", "list", "--db", str(db), "--task",
                                                      task["task"], "--model", task["model"]],
                           tmp / "list.txt", dict(env, COLUMNS="120")))
        steps.append(timed("results list --limit 50 --json", [*wp, "results", "list", "--db", str(db), "--task",
                                                             task["task"], "--limit", "50", "--json"],
                           tmp / "list.json", env))
        assert len(json.loads((tmp / "list.json").read_text())) == 50
        out = {
            "rows": args.rows, "runs_stored": runs, "imported": imported["stored"], "log_mb": round(log_mb, 1),
            "generate_s": round(gen_s, 1), "store_mb": round(size / 1e6, 1), "bytes_per_run": round(size / runs),
            "html_mb": round((tmp / "r.html").stat().st_size / 1e6, 2), "steps": steps,
            "cpu": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 1), "first_file": stem,
        }
        if args.json:
            print(json.dumps(out, indent=2))
            return
        print(f"{args.rows:,} CodeCarbon rows ({log_mb:.0f} MB of logs, generated in {gen_s:.0f} s); "
              f"store {size / 1e6:.0f} MB = {size / runs:.0f} bytes per run; HTML page {out['html_mb']} MB")
        print(f"{'step':32} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'all MiB':>8}  target")
        for s in steps:
            t, m = TARGETS[s["step"]]
            target = f"< {t:g} s" + (f", < {m} MiB" if m else "")
            print(f"{s['step']:32} {s['wall_s']:8.2f} {s['cpu_s']:8.2f} {s['peak_mib']:9.1f} "
                  f"{s['tree_peak_mib']:8.1f}  {target}")
        print("(cpu s: all processes of the command; peak MiB: its largest process; all MiB: the peak of the sum of\n"
              " its processes' resident memory, sampled every 0.1 s: pages the workers share with it counted twice)")
        print(f"(load average {out['load_avg_1m']} on {out['cpu']} CPUs: wall time includes waiting for a CPU)")
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
