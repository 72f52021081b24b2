"""Fake runners for the sweep tests: the point there is orchestration, not energy.

A :class:`FakeRunner` is picklable (Ray ships it to workers by value) and logs
every call as one JSON line in ``log_dir`` (model, pid, start/end time,
isolation, timeout), so tests can check which runs ran and whether they overlapped.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from wattprint.results.schema import Environment, RunConfig, RunResult, utcnow


class FakeRunner:
    """``runner(config, timeout_s, isolation) -> RunResult`` that sleeps instead of measuring.

    ``fail``: models whose run fails (returned as a failed result, as the real runner does);
    ``raise_for``: models whose runner call raises; ``interrupt_for``: raises KeyboardInterrupt.
    """

    def __init__(self, log_dir: str | Path, sleep_s: float = 0.0, fail: tuple[str, ...] = (),
                 raise_for: tuple[str, ...] = (), interrupt_for: tuple[str, ...] = ()) -> None:
        self.log_dir = str(log_dir)
        self.sleep_s = sleep_s
        self.fail = tuple(fail)
        self.raise_for = tuple(raise_for)
        self.interrupt_for = tuple(interrupt_for)

    def __call__(self, config: RunConfig, timeout_s: float | None = None, isolation: str = "process") -> RunResult:
        started = utcnow()
        t0 = time.time()
        if config.model in self.interrupt_for:
            raise KeyboardInterrupt
        time.sleep(self.sleep_s)
        self._log({"model": config.model, "task": config.task, "pid": os.getpid(), "start": t0, "end": time.time(),
                   "isolation": isolation, "timeout_s": timeout_s})
        if config.model in self.raise_for:
            raise ValueError(f"fake runner bug for {config.model}")
        env = Environment(hostname="fake", isolation=isolation)
        if config.model in self.fail:
            return RunResult(config=config, status="failed", error="CUDA out of memory (simulated)",
                             started_at=started, finished_at=utcnow(), environment=env)
        return RunResult(config=config, status="ok", started_at=started, finished_at=utcnow(), environment=env)

    def _log(self, entry: dict) -> None:
        Path(self.log_dir).mkdir(parents=True, exist_ok=True)
        with open(Path(self.log_dir) / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def read_log(log_dir: str | Path) -> list[dict]:
    """Every call the fake runners logged under ``log_dir``, by start time."""
    entries = []
    for p in Path(log_dir).glob("*.jsonl"):
        entries += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
    return sorted(entries, key=lambda e: e["start"])


def max_overlap(entries: list[dict]) -> int:
    """The largest number of logged calls running at the same instant."""
    events = sorted([(e["start"], 1) for e in entries] + [(e["end"], -1) for e in entries])
    cur = best = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best
