"""Worker process: ``python -m wattprint.bench.worker --config C --out O [--isolation I]``.

Runs one :class:`~wattprint.results.schema.RunConfig` (read from the JSON file
``C``) with :func:`wattprint.bench.runner.execute` and writes the
:class:`~wattprint.results.schema.RunResult` JSON to ``O`` (atomically), plus a
checkpoint ``<O stem>.partial.json`` after each phase so a crash keeps what was
measured. ``$WATTPRINT_WORKER_IMPORTS`` (comma-separated module names) are
imported first, so tasks registered by user modules exist in the worker.
Progress events go to stdout as JSON lines; anything libraries print
to stdout is redirected to stderr so it cannot corrupt the event stream.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from pathlib import Path
from typing import Any


def _atomic_write(path: Path, text: str) -> None:
    from wattprint.results.atomic import write_text_atomic

    write_text_atomic(path, text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m wattprint.bench.worker")
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--isolation", default="process")
    args = ap.parse_args(argv)

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
