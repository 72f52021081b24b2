"""What a run executed on: CPU, GPUs and driver, RAM, OS, library versions, meters.

Collected without importing the ML stack: library versions come from package
metadata, GPUs from NVML when the driver is present. Everything is best effort;
a missing piece is left empty, never guessed.
"""

from __future__ import annotations

import os
import platform
import socket
from importlib import metadata
from typing import Any

from wattprint.energy.meter import Meter
from wattprint.results.schema import Environment, MeterInfo

#: distributions whose versions change what a run measures
LIBRARIES = (
    "wattprint",
    "torch",
    "transformers",
    "diffusers",
    "tokenizers",
    "datasets",
    "accelerate",
    "safetensors",
    "numpy",
    "pillow",
    "pydantic",
    "nvidia-ml-py",
    "amdsmi",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        import psutil

        return round(psutil.virtual_memory().total / 2**30, 2)
    except Exception:  # pragma: no cover - psutil is a core dependency
        return None


def _libraries() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _nvidia_gpus() -> tuple[list[dict[str, Any]], str | None]:
    """NVIDIA GPUs through NVML (no torch import); empty when no driver."""
    try:
        import pynvml
    except ImportError:
        return [], None
    try:
        pynvml.nvmlInit()
    except Exception:
        return [], None
    gpus: list[dict[str, Any]] = []
    driver: str | None = None
    try:
        driver = _str(pynvml.nvmlSystemGetDriverVersion())
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            gpu: dict[str, Any] = {
                "index": i,
                "vendor": "nvidia",
                "name": _str(pynvml.nvmlDeviceGetName(h)),
                "memory_gb": round(mem.total / 2**30, 2),
            }
            try:
                gpu["power_limit_w"] = pynvml.nvmlDeviceGetEnforcedPowerLimit(h) / 1000.0
            except Exception:
                pass
            gpus.append(gpu)
    except Exception:
        pass
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass
    return gpus, driver


def _str(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def meter_infos(meterset: Meter | None) -> list[MeterInfo]:
    """Describe the meters of a run (name, components, measured or estimated, note), one per meter."""
    if meterset is None:
        return []
    out: list[MeterInfo] = []
    for m in meterset.parts():
        d = m.describe()
        out.append(MeterInfo(name=d.name, components=list(d.components), measured=d.measured, note=d.note))
    return out


def collect_environment(meterset: Meter | None = None, isolation: str = "process") -> Environment:
    """The machine, software and meters of this process (best effort, no ML imports).

    ``meterset`` is an open :class:`~wattprint.energy.meter.Meter` (a MeterSet) or
    None; ``isolation`` says how the run was isolated: ``process`` (own
    subprocess), ``node-exclusive`` or ``shared-node``.
    """
    gpus, driver = _nvidia_gpus()
    return Environment(
        hostname=socket.gethostname(),
        os=platform.platform(),
        python=platform.python_version(),
        cpu_model=_cpu_model(),
        cpu_count=os.cpu_count(),
        ram_gb=_ram_gb(),
        gpus=gpus,
        gpu_driver=driver,
        libraries=_libraries(),
        meters=meter_infos(meterset),
        isolation=isolation,
    )
