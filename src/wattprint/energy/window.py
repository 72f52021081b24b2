"""Window: the energy of a stretch of code, as the difference of two meter reads."""

from __future__ import annotations

import time

from wattprint.energy.meter import Meter
from wattprint.energy.notices import warn
from wattprint.energy.types import ComponentEnergy, EnergyReport, Reading
from wattprint.energy.unread import estimate_unread, unread_reason
from wattprint.errors import WattprintError


class Window:
    """Measure energy between :meth:`start` and :meth:`stop` on ``meterset`` (J per component).

    Opening or closing costs one ``sync()`` and one ``reading()`` of the meters, so
    windows nest and overlap freely. As a context manager, ``.report`` is set on
    exit (also when the body raises). A component whose counter could not be read at
    either edge (or may have wrapped unseen) is reported estimated, with the reason in
    its provenance note and a :class:`~wattprint.energy.notices.MeterWarning` (see
    :mod:`wattprint.energy.unread`).

    Args:
        meterset: any :class:`Meter` (usually a :class:`MeterSet`).
        name: label copied into the report.
        idle_power_w: optional idle baseline (W per component) stored in the report,
            which then gives energy net of idle and the idle share.
    """

    def __init__(self, meterset: Meter, name: str = "", idle_power_w: dict[str, float] | None = None) -> None:
        self.meterset = meterset
        self.name = name
        self.idle_power_w = dict(idle_power_w) if idle_power_w is not None else None
        self.report: EnergyReport | None = None
        self._start: Reading | None = None
        self._t0 = 0.0
        self._unix0 = 0.0

    @property
    def running(self) -> bool:
        return self._start is not None

    def start(self) -> Window:
        """Open the window: synchronise devices, read every meter. Returns self."""
        if self._start is not None:
            raise WattprintError(f"window {self.name!r} is already running", hint="stop() it before start() again")
        self.report = None
        self.meterset.sync()
        self._unix0 = time.time()
        self._t0 = time.perf_counter()
        self._start = self.meterset.reading()
        return self

    def stop(self) -> EnergyReport:
        """Close the window and return its :class:`EnergyReport` (joules per component)."""
        if self._start is None:
            raise WattprintError(f"window {self.name!r} was never started", hint="call start() first")
        self.meterset.sync()
        end = self.meterset.reading()
        duration = max(0.0, time.perf_counter() - self._t0)
        start, self._start = self._start, None
        if start.faults or end.faults:
            comps = [self._component(c, start, end, duration) for c in self.meterset.components()]
        else:  # every counter read fine at both edges: plain differences (the common, cheap path)
            comps = [
                ComponentEnergy(component=c, joules=max(0.0, end.joules.get(c, 0.0) - start.joules.get(c, 0.0)),
                                provenance=self.meterset.provenance(c))
                for c in self.meterset.components()
            ]
        self.report = EnergyReport(
            name=self.name,
            start_unix_s=self._unix0,
            duration_s=duration,
            components=comps,
            idle_power_w=self.idle_power_w,
        )
        return self.report

    def _component(self, component: str, start: Reading, end: Reading, duration_s: float) -> ComponentEnergy:
        """The window's figure for one component (J): the counter difference, or an estimate when a fault says
        the difference is not a measurement."""
        counted = max(0.0, end.joules.get(component, 0.0) - start.joules.get(component, 0.0))
        provenance = self.meterset.provenance(component)
        f0, f1 = start.faults.get(component), end.faults.get(component)
        if f0 is not None or f1 is not None:
            reason = unread_reason(f0, f1)
            if reason:
                warn(f"window {self.name!r}: {component} is NOT MEASURED but estimated: {reason}")
                return estimate_unread(component, counted, duration_s, f0, f1, provenance, reason)
        return ComponentEnergy(component=component, joules=counted, provenance=provenance)

    def __enter__(self) -> Window:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._start is not None:
            self.stop()
