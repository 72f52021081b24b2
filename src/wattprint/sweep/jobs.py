"""What a sweep runs: jobs, the runner that executes one, and failed results.

A *runner* is any callable ``runner(config, timeout_s, isolation) -> RunResult``
that runs one benchmark in its own process and never raises for a failed run
(the bench layer's ``run_in_subprocess``). Tests inject fakes.
"""

from __future__ import annotations

import socket
import traceback
from dataclasses import dataclass
from typing import Protocol

from wattprint.errors import WattprintError
from wattprint.results.schema import Environment, RunConfig, RunResult, utcnow

#: meters that read per-device GPU counters only (no host CPU or RAM energy)
GPU_ONLY_METERS = frozenset({"nvml", "nvidia", "nvidia-smi", "amdsmi", "amd-smi", "amd", "rocm", "gpu"})

ISOLATION_PROCESS = "process"
ISOLATION_NODE_EXCLUSIVE = "node-exclusive"
ISOLATION_GPU_EXCLUSIVE = "gpu-exclusive"
ISOLATION_SHARED = "shared-node"


class Runner(Protocol):
    def __call__(self, config: RunConfig, timeout_s: float | None = None, isolation: str = "process") -> RunResult:
        ...


@dataclass
class Job:
    """One run of a sweep: its position in the plan and its config."""

    index: int
    config: RunConfig
    config_hash: str

    @property
    def label(self) -> str:
        c = self.config
        return f"{c.task} {c.model} {c.dataset}" + (f"/{c.dataset_config}" if c.dataset_config else "")


def uses_gpu(config: RunConfig) -> bool:
    """True when the run's device is a CUDA/ROCm GPU."""
    return config.device.strip().lower().startswith(("cuda", "gpu", "rocm"))


def measures_host(config: RunConfig) -> bool:
    """True when the run reads machine-wide counters (CPU package, RAM) that co-located runs would share.

    Any CPU run does; a GPU run does unless its meters are listed explicitly and
    are all per-device GPU meters (auto-detection adds RAPL or the estimation
    meter, which are machine-wide).
    """
    if not uses_gpu(config):
        return True
    if config.meters is None:
        return True
    return any(m.strip().lower() not in GPU_ONLY_METERS for m in config.meters)


def default_runner() -> Runner:
    """The bench layer's subprocess runner (``wattprint.bench.runner.run_in_subprocess``)."""
    try:
        from wattprint.bench.runner import run_in_subprocess
    except ImportError as exc:
        raise WattprintError(
            f"the bench layer is not available ({exc})",
            "install wattprint with its ML extras: pip install 'wattprint[ml]'",
        ) from exc
    return run_in_subprocess


def failed_result(config: RunConfig, reason: str, isolation: str = ISOLATION_PROCESS,
                  started_at=None) -> RunResult:
    """A failed :class:`RunResult` with a one-line reason (no energy figures)."""
    reason = " ".join(str(reason).split()) or "unknown failure"
    return RunResult(
        status="failed",
        error=reason[:500],
        config=config,
        started_at=started_at or utcnow(),
        finished_at=utcnow(),
        environment=Environment(hostname=socket.gethostname(), isolation=isolation),
    )


def call_runner(runner: Runner, config: RunConfig, timeout_s: float | None, isolation: str) -> RunResult:
    """Run one job; a runner that raises (it should not) still yields a failed result."""
    started = utcnow()
    try:
        result = runner(config, timeout_s, isolation)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure becomes a stored reason
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        at = f" at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno}" if last else ""
        return failed_result(config, f"runner error: {type(exc).__name__}: {exc}{at}", isolation, started)
    if not isinstance(result, RunResult):
        return failed_result(config, f"runner returned {type(result).__name__}, not a RunResult", isolation, started)
    return result
