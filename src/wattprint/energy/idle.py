"""Idle baseline: the power each component draws while nothing of ours runs."""

from __future__ import annotations

import math
import time

from wattprint.energy.meter import Meter
from wattprint.errors import WattprintError

#: the longest idle baseline accepted, in seconds (an hour; baselines are seconds to minutes)
MAX_IDLE_S = 3600.0

#: Clock and sleep, module attributes so tests can script them.
_clock = time.perf_counter
_sleep = time.sleep


def check_idle_seconds(seconds: float, option: str = "idle", allow_zero: bool = True) -> float:
    """``seconds`` if it is a usable idle-baseline length (s): finite, >= 0 (> 0 without ``allow_zero``),
    at most :data:`MAX_IDLE_S`; else a one-line :class:`WattprintError` naming ``option``."""
    ok = isinstance(seconds, (int, float)) and math.isfinite(seconds) and (seconds >= 0 if allow_zero else seconds > 0)
    if not ok or seconds > MAX_IDLE_S:
        span = f"0 to {MAX_IDLE_S:g}" if allow_zero else f"positive, at most {MAX_IDLE_S:g}"
        raise WattprintError(f"{option} must be {span} seconds, got {seconds!r}",
                             hint="e.g. 10 (seconds)" + (" or 0 to skip the baseline" if allow_zero else ""))
    return float(seconds)


def measure_idle(meterset: Meter, seconds: float) -> dict[str, float]:
    """Measure idle power per component over ``seconds`` seconds of sleep (W).

    The caller should keep the machine quiet meanwhile. Pass the result as
    ``idle_power_w`` to a :class:`~wattprint.energy.window.Window` (or to
    ``EnergyReport``) to get energy net of idle and the idle share.
    """
    check_idle_seconds(seconds, "idle measurement", allow_zero=False)
    meterset.sync()
    t0 = _clock()
    r0 = meterset.read()
    _sleep(seconds)
    meterset.sync()
    r1 = meterset.read()
    dt = _clock() - t0
    return {c: max(0.0, r1.get(c, 0.0) - r0.get(c, 0.0)) / dt for c in meterset.components()}
