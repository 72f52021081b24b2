"""Idle baseline: the power each component draws while nothing of ours runs."""

from __future__ import annotations

import math
import time

from wattprint.energy.meter import Meter
from wattprint.errors import WattprintError

#: Clock and sleep, module attributes so tests can script them.
_clock = time.perf_counter
_sleep = time.sleep


def measure_idle(meterset: Meter, seconds: float) -> dict[str, float]:
    """Measure idle power per component over ``seconds`` seconds of sleep (W).

    The caller should keep the machine quiet meanwhile. Pass the result as
    ``idle_power_w`` to a :class:`~wattprint.energy.window.Window` (or to
    ``EnergyReport``) to get energy net of idle and the idle share.
    """
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        raise WattprintError(f"idle measurement needs a positive duration, got {seconds!r}", hint="e.g. 10 (seconds)")
    meterset.sync()
    t0 = _clock()
    r0 = meterset.read()
    _sleep(seconds)
    meterset.sync()
    r1 = meterset.read()
    dt = _clock() - t0
    return {c: max(0.0, r1.get(c, 0.0) - r0.get(c, 0.0)) / dt for c in meterset.components()}
