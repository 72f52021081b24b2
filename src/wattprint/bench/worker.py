"""Worker process: ``python -m wattprint.bench.worker --config C --out O [--isolation I]``.

Runs one :class:`~wattprint.results.schema.RunConfig` (read from the JSON file
``C``) with :func:`wattprint.bench.runner.execute` and writes the
:class:`~wattprint.results.schema.RunResult` JSON to ``O`` (atomically), plus a
checkpoint ``<O stem>.partial.json`` after each phase so a crash keeps what was
measured. With ``--parent-pid`` it stops (with its process group) when that
process dies, even by SIGKILL. ``$WATTPRINT_WORKER_IMPORTS`` (comma-separated module names) are
imported first, so tasks registered by user modules exist in the worker.
Progress events go to stdout as JSON lines; anything libraries print
to stdout is redirected to stderr so it cannot corrupt the event stream.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _atomic_write(path: Path, text: str) -> None:
    from wattprint.results.atomic import write_text_atomic

    write_text_atomic(path, text)


#: How often the worker checks that its parent is alive (s), and the grace between SIGTERM and
#: SIGKILL when it stops its own process group (s).
PARENT_POLL_S = 0.5
STOP_GRACE_S = 3.0
#: prctl option: signal sent to this process when its parent thread dies (linux/prctl.h)
PR_SET_PDEATHSIG = 1


def _stop_group(sig: int) -> None:
    """Send ``sig`` to this worker's process group (it leads one: the runner starts a new session),
    so processes the task started stop with it; to itself alone otherwise."""
    try:
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), sig)
        else:
            os.kill(os.getpid(), sig)
    except OSError:
        pass


def _on_stop_signal(signum: int, frame: object) -> None:  # noqa: ARG001
    """SIGTERM (from the runner, or as parent-death signal): stop the whole group, the default way."""
    signal.signal(signum, signal.SIG_DFL)
    _stop_group(signum)


def _watch_parent(parent_pid: int) -> None:
    """Stop this worker (and its process group) when the process that started it dies.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` through ctypes, so the kernel tells us at once;
    everywhere: a daemon thread polling ``os.getppid()`` every :data:`PARENT_POLL_S` s (the parent
    changes to init or a subreaper when it dies), which SIGTERMs the group, then SIGKILLs it.
    """
    signal.signal(signal.SIGTERM, _on_stop_signal)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the poller below still notices

    def poll() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        _stop_group(signal.SIGTERM)
        time.sleep(STOP_GRACE_S)
        _stop_group(signal.SIGKILL)

    threading.Thread(target=poll, name="wattprint-parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m wattprint.bench.worker")
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--isolation", default="process")
    ap.add_argument("--parent-pid", type=int, default=None, help="stop when this process dies")
    args = ap.parse_args(argv)
    if args.parent_pid is not None:
        _watch_parent(args.parent_pid)

    # events keep the real stdout; everything else printed to stdout goes to stderr
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def emit(event: dict[str, Any]) -> None:
        try:
            events.write(json.dumps(event, default=str) + "\n")
        except (BrokenPipeError, ValueError):
            pass

    import importlib

    # user task modules (``@register_task``) to load in the worker, comma-separated
    for mod in filter(None, (m.strip() for m in os.environ.get("WATTPRINT_WORKER_IMPORTS", "").split(","))):
        importlib.import_module(mod)

    from wattprint.bench.runner import execute, partial_path
    from wattprint.results.schema import RunConfig, RunResult

    config = RunConfig.model_validate_json(args.config.read_text(encoding="utf-8"))
    partial = partial_path(args.out)

    def checkpoint(result: RunResult) -> None:
        _atomic_write(partial, result.model_dump_json())

    emit({"event": "start", "pid": os.getpid()})
    result = execute(config, on_event=emit, checkpoint=checkpoint, isolation=args.isolation)
    # peak resident memory of this worker (Linux reports KiB)
    result.extra["worker_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    _atomic_write(args.out, result.model_dump_json())
    try:
        events.close()
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
