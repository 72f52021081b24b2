"""Runs a plan with an executor; the driver alone writes the store, one transaction per result."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from wattprint.results.schema import RunResult
from wattprint.results.store import ResultStore
from wattprint.results.unsaved import store_or_fallback
from wattprint.sweep.jobs import Job
from wattprint.sweep.plan import Plan


class Executor(Protocol):
    name: str

    def describe(self) -> dict: ...

    def run(self, jobs: list[Job], timeout_s: float | None,
            on_start: Callable[[Job], None], on_result: Callable[[Job, RunResult, float], None]) -> None: ...


@dataclass
class RunRecord:
    """What the driver saw of one run: its result and the wall time around it (s)."""

    job: Job
    result: RunResult
    wall_s: float
    #: the fallback file holding the result when the store could not take it (None: stored)
    unsaved: Path | None = None

    @property
    def run_s(self) -> float | None:
        """The run's own duration (s), from its started_at/finished_at stamps."""
        r = self.result
        if r.finished_at is None:
            return None
        return max(0.0, (r.finished_at - r.started_at).total_seconds())


@dataclass
class SweepOutcome:
    """The end of a sweep (or the part that ran before an interruption)."""

    planned: int
    skipped: int
    records: list[RunRecord] = field(default_factory=list)
    wall_s: float = 0.0
    interrupted: bool = False
    executor: dict = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return sum(1 for r in self.records if r.result.status == "ok")

    @property
    def failed(self) -> int:
        return sum(1 for r in self.records if r.result.status != "ok")

    @property
    def unsaved(self) -> list[Path]:
        """Fallback files of the results the store could not take (bring back: wattprint import results)."""
        return [r.unsaved for r in self.records if r.unsaved is not None]

    def overhead_s_per_run(self) -> float | None:
        """(wall time - sum of the runs' own durations) / runs, in seconds: what orchestration adds."""
        durs = [r.run_s for r in self.records]
        if not self.records or any(d is None for d in durs):
            return None
        return (self.wall_s - sum(durs)) / len(self.records)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "skipped_done": self.skipped,
            "ran": len(self.records),
            "ok": self.ok,
            "failed": self.failed,
            "interrupted": self.interrupted,
            "unsaved": [str(p) for p in self.unsaved],
            "wall_s": round(self.wall_s, 3),
            "executor": self.executor,
            "runs": [
                {
                    "run_id": r.result.run_id,
                    "config_hash": r.result.config_hash,
                    "task": r.job.config.task,
                    "model": r.job.config.model,
                    "dataset": r.job.config.dataset,
                    "status": r.result.status,
                    "error": r.result.error,
                    "isolation": r.result.environment.isolation,
                    "wh_per_1k": r.result.summary.wh_per_1k_mean if r.result.summary else None,
                    "wall_s": round(r.wall_s, 3),
                    "unsaved": str(r.unsaved) if r.unsaved else None,
                }
                for r in self.records
            ],
        }


def run_sweep(
    plan: Plan,
    store: ResultStore,
    executor: Executor,
    timeout_s: float | None = None,
    on_start: Callable[[Job], None] | None = None,
    on_result: Callable[[RunRecord], None] | None = None,
) -> SweepOutcome:
    """Run every job of ``plan`` not yet done; store each result as soon as it returns.

    A failed run is stored with its reason and the sweep goes on; a result the store cannot take
    (locked beyond ``LOCK_TIMEOUT_S``, full, read-only) goes to a fallback file
    (``RunRecord.unsaved``) and the sweep goes on too. On Ctrl-C the
    results already stored stay (each is its own transaction), the executor
    cancels what is in flight, and the outcome comes back with ``interrupted``.
    """
    todo = plan.todo
    outcome = SweepOutcome(planned=len(plan.runs), skipped=len(plan.runs) - len(todo), executor=executor.describe())

    def _started(job: Job) -> None:
        if on_start:
            on_start(job)

    def _returned(job: Job, result: RunResult, wall_s: float) -> None:
        if result.config_hash != job.config_hash:
            # the runner must echo the config; resume relies on the hash
            result.config_hash = job.config_hash
        # a store locked beyond LOCK_TIMEOUT_S (or failing otherwise) leaves the result in a fallback
        # file, and the sweep goes on with its remaining runs
        saved = store_or_fallback(store, result)
        rec = RunRecord(job, result, wall_s, unsaved=saved.fallback)
        outcome.records.append(rec)
        if on_result:
            on_result(rec)

    t0 = time.perf_counter()
    try:
        executor.run(todo, timeout_s, _started, _returned)
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        outcome.wall_s = time.perf_counter() - t0
        outcome.executor = executor.describe()  # now with what the executor found (Ray lock mode, nodes)
    return outcome
