"""Sweeps: many runs from one YAML file, on this machine or over a Ray cluster.

``load_sweep(path)`` validates a sweep file (errors carry line numbers),
``expand(spec)`` gives its ``RunConfig`` s, ``build_plan(configs, store)`` marks
the runs already stored as ok, and ``run_sweep(plan, store, executor)`` runs the
rest with a :class:`LocalExecutor` or a :class:`RayExecutor` (Ray imported lazily).
"""

from __future__ import annotations

from wattprint.sweep.driver import RunRecord, SweepOutcome, run_sweep
from wattprint.sweep.jobs import Job, failed_result, measures_host, uses_gpu
from wattprint.sweep.local import LocalExecutor
from wattprint.sweep.plan import Plan, build_plan
from wattprint.sweep.ray_executor import RayExecutor
from wattprint.sweep.spec import SweepSpec, expand, load_sweep, parse_sweep
from wattprint.sweep.yamlmarks import Problem, SweepFileError

__all__ = [
    "Job",
    "LocalExecutor",
    "Plan",
    "Problem",
    "RayExecutor",
    "RunRecord",
    "SweepFileError",
    "SweepOutcome",
    "SweepSpec",
    "build_plan",
    "expand",
    "failed_result",
    "load_sweep",
    "measures_host",
    "parse_sweep",
    "run_sweep",
    "uses_gpu",
]
