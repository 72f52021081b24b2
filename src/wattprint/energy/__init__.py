"""wattprint.energy: meters, windows and provenance.

Public API (imported lazily so ``import wattprint.energy`` does no work)::

    open_meters(names=None, *, gpus=None) -> MeterSet
    MeterSet, Window(meterset, name="", idle_power_w=None), measure_idle(meterset, seconds)
    track(name="", ...)  # context manager and decorator
    describe() / doctor()  # what this machine can measure
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "open_meters": "wattprint.energy.registry",
    "open_meter": "wattprint.energy.registry",
    "describe": "wattprint.energy.registry",
    "doctor": "wattprint.energy.registry",
    "METER_NAMES": "wattprint.energy.registry",
    "MeterSet": "wattprint.energy.meterset",
    "Window": "wattprint.energy.window",
    "measure_idle": "wattprint.energy.idle",
    "track": "wattprint.energy.track",
    "Tracker": "wattprint.energy.track",
    "Meter": "wattprint.energy.meter",
    "MeterWarning": "wattprint.energy.notices",
    "EnergyReport": "wattprint.energy.types",
    "ComponentEnergy": "wattprint.energy.types",
    "Provenance": "wattprint.energy.types",
    "Method": "wattprint.energy.types",
    "EstimateMeter": "wattprint.energy.estimate",
    "RaplMeter": "wattprint.energy.rapl",
    "NvmlMeter": "wattprint.energy.nvml",
    "AmdSmiMeter": "wattprint.energy.amd",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'wattprint.energy' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
