"""Overhead of wattprint's load generator (``wattprint serve-bench``).

Run by hand (about 1-2 minutes on 2 cores):
    python benchmarks/loadgen_overhead.py [--seconds S] [--model DIR]

1. Highest sustained request rate against a trivial local endpoint: the fake OpenAI server
   (``wattprint.serving.fake_server``: no inference, one process) streaming ``--tokens`` chunks per
   request, driven closed-loop at rising concurrency for ``--seconds`` each. Printed per level:
   requests/s, the generator's own CPU seconds per request, and the server's. Target: 1,000
   requests/s on 2 cores (generator and server share them).
2. With ``--model DIR`` (e.g. ``wattprint serve-model /tmp/tiny``): the generator's CPU seconds
   next to the server's (its whole process tree) at concurrency 8 against ``transformers serve``
   on that model, as a ratio. Target: under 5%.

Prints a table and one JSON line. Figures go into docs/serving.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import sys
import time

import psutil

from wattprint.energy.estimate import tree_cpu_seconds
from wattprint.serving.loadgen import Level, LoadGenerator, WindowPolicy
from wattprint.serving.prompts import PromptSource
from wattprint.serving.server import launch, wait_healthy


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def drive(url: str, concurrency: int, seconds: float, server_pid: int, in_tok: int, out_tok: int) -> dict:
    """One closed-loop level of ``seconds``; CPU seconds of generator and server over the same span."""
    gen = LoadGenerator(url, prompts=PromptSource(input_tokens=in_tok, output_tokens=out_tok))
    asyncio.run(gen.probe())
    server = psutil.Process(server_pid)
    policy = WindowPolicy(min_window_s=seconds, min_requests=1, max_level_s=seconds * 3 + 30)
    marks: dict[str, float] = {}

    def start() -> None:
        marks.update(g0=_own_cpu(), s0=tree_cpu_seconds(server), t0=time.perf_counter())

    def stop() -> None:
        marks.update(g1=_own_cpu(), s1=tree_cpu_seconds(server), t1=time.perf_counter())

    load = asyncio.run(gen.run_level(Level("concurrency", concurrency), policy, on_window_start=start,
                                     on_window_end=stop))
    done = [r for r in load.records if r.ok and load.window_start < r.end <= load.window_end]
    errors = sum(1 for r in load.records if not r.ok)
    span = marks["t1"] - marks["t0"]
    gen_cpu, srv_cpu = marks["g1"] - marks["g0"], marks["s1"] - marks["s0"]
    return {"concurrency": concurrency, "requests": len(done), "errors": errors, "window_s": span,
            "requests_per_s": len(done) / span, "gen_cpu_ms_per_request": 1000 * gen_cpu / max(1, len(done)),
            "server_cpu_ms_per_request": 1000 * srv_cpu / max(1, len(done)), "gen_cpu_s": gen_cpu,
            "server_cpu_s": srv_cpu, "gen_over_server": gen_cpu / srv_cpu if srv_cpu > 0 else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0, help="Window per level (s).")
    ap.add_argument("--tokens", type=int, default=4, help="Streamed chunks per request against the fake server.")
    ap.add_argument("--levels", default="8,32,64", help="Concurrency levels against the fake server.")
    ap.add_argument("--model", help="A model folder for the transformers serve comparison at concurrency 8.")
    a = ap.parse_args()
    out: dict = {"fake": [], "transformers": None}

    port = _port()
    srv = launch(f"{sys.executable} -m wattprint.serving.fake_server --port {port}")
    try:
        wait_healthy(f"http://127.0.0.1:{port}", srv, 30)
        for c in (int(x) for x in a.levels.split(",")):
            out["fake"].append(drive(f"http://127.0.0.1:{port}", c, a.seconds, srv.pid, 16, a.tokens))
    finally:
        srv.stop()
    print(f"fake server (no inference), {a.tokens} streamed chunks per request, {a.seconds:g} s windows")
    print(f"{'conc':>5} {'req/s':>8} {'gen ms CPU/req':>15} {'server ms CPU/req':>18} {'errors':>7}")
    for r in out["fake"]:
        print(f"{r['concurrency']:>5} {r['requests_per_s']:>8.0f} {r['gen_cpu_ms_per_request']:>15.3f} "
              f"{r['server_cpu_ms_per_request']:>18.3f} {r['errors']:>7}")

    if a.model:
        exe = shutil.which("transformers")
        if exe is None:
            print("transformers CLI not found: pip install -e '.[serve]'", file=sys.stderr)
            return 1
        port = _port()
        srv = launch(f"{exe} serve {a.model} --host 127.0.0.1 --port {port} --continuous-batching --device cpu")
        try:
            wait_healthy(f"http://127.0.0.1:{port}", srv, 180)
            r = drive(f"http://127.0.0.1:{port}", 8, a.seconds * 2, srv.pid, 64, 16)
        finally:
            srv.stop()
        out["transformers"] = r
        print(f"\ntransformers serve {a.model} at concurrency 8, 64 in / ~16 out tokens, {a.seconds * 2:g} s window")
        print(f"  {r['requests']} requests, {r['requests_per_s']:.2f} req/s; generator CPU {r['gen_cpu_s']:.3f} s vs "
              f"server tree CPU {r['server_cpu_s']:.2f} s: ratio {100 * (r['gen_over_server'] or 0):.2f}%")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
