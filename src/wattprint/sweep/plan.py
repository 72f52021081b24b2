"""The plan of a sweep: every run, and which are already stored as ok (resume)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wattprint.results.schema import RunConfig
from wattprint.results.store import ResultStore
from wattprint.sweep.jobs import Job, measures_host, uses_gpu


@dataclass
class PlannedRun:
    """One run of the plan: ``done`` when an ok result with its hash is stored; ``failed_before``
    when only failed attempts are stored (it runs again)."""

    job: Job
    done: bool = False
    failed_before: bool = False


@dataclass
class Plan:
    """All runs of a sweep in order, with their resume state."""

    name: str
    runs: list[PlannedRun] = field(default_factory=list)

    @property
    def todo(self) -> list[Job]:
        return [r.job for r in self.runs if not r.done]

    @property
    def done(self) -> list[Job]:
        return [r.job for r in self.runs if r.done]

    @property
    def retries(self) -> int:
        return sum(1 for r in self.runs if not r.done and r.failed_before)

    def counts(self) -> dict[str, Any]:
        todo = self.todo
        return {
            "runs": len(self.runs),
            "done": len(self.runs) - len(todo),
            "todo": len(todo),
            "retry_failed": self.retries,
            "gpu_runs": sum(1 for j in todo if uses_gpu(j.config)),
            "host_metered_runs": sum(1 for j in todo if measures_host(j.config)),
            "tasks": sorted({r.job.config.task for r in self.runs}),
            "models": len({r.job.config.model for r in self.runs}),
            "datasets": len({(r.job.config.dataset, r.job.config.dataset_config) for r in self.runs}),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.counts(),
            "plan": [
                {
                    "index": r.job.index,
                    "config_hash": r.job.config_hash,
                    "state": "done" if r.done else ("retry" if r.failed_before else "todo"),
                    "task": r.job.config.task,
                    "model": r.job.config.model,
                    "dataset": r.job.config.dataset,
                    "dataset_config": r.job.config.dataset_config,
                    "split": r.job.config.split,
                    "device": r.job.config.device,
                }
                for r in self.runs
            ],
        }


def _failed_hashes(store: ResultStore) -> set[str]:
    return {r.config_hash for r in store.list(status="failed")}


def build_plan(configs: list[RunConfig], store: ResultStore | None, name: str = "sweep") -> Plan:
    """Number the runs and mark those whose config hash is already stored as ok."""
    failed = _failed_hashes(store) if store is not None else set()
    plan = Plan(name=name)
    for i, cfg in enumerate(configs):
        h = cfg.config_hash()
        done = store.has_ok(h) if store is not None else False
        plan.runs.append(PlannedRun(Job(i, cfg, h), done=done, failed_before=not done and h in failed))
    return plan
