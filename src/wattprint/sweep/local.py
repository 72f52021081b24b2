"""The local executor: runs one after another on this machine, each in its own subprocess."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wattprint.results.schema import RunResult
from wattprint.sweep import jobs as _jobs
from wattprint.sweep.jobs import ISOLATION_PROCESS, Job, Runner, call_runner

OnStart = Callable[[Job], None]
OnResult = Callable[[Job, RunResult, float], None]


@dataclass
class LocalExecutor:
    """Sequential: nothing else of the sweep runs while a run is measured.

    ``runner`` defaults to the bench layer's ``run_in_subprocess``.
    """

    runner: Runner | None = None
    name: str = "local"

    def describe(self) -> dict:
        return {"executor": self.name, "isolation": ISOLATION_PROCESS, "concurrency": 1}

    def run(self, jobs: list[Job], timeout_s: float | None, on_start: OnStart, on_result: OnResult) -> None:
        """Run ``jobs`` in order; ``on_result(job, result, wall_s)`` is called as each one returns."""
        runner = self.runner or _jobs.default_runner()
        for job in jobs:
            on_start(job)
            t0 = time.perf_counter()
            result = call_runner(runner, job.config, timeout_s, ISOLATION_PROCESS)
            result.extra.setdefault("sweep", {}).update({"executor": self.name, "isolation": ISOLATION_PROCESS})
            on_result(job, result, time.perf_counter() - t0)
