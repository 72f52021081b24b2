"""The one interface every energy source implements (RAPL, NVML, AMD SMI, estimate).

A meter exposes *cumulative* energy per component since it was opened
(:meth:`Meter.read`, joules, monotonic non-decreasing). Windows are then just
differences of two reads, so windows nest and overlap freely and opening or
closing one costs one read. Sources that wrap (RAPL) or only give power (old
NVML, estimation) keep that cumulative figure correct with a light background
poller owned by the meter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from wattprint.contracts.meters import MeterDescription
from wattprint.energy.types import Provenance, Reading
from wattprint.errors import WattprintError


class MeterUnavailable(WattprintError):
    """A meter cannot be used here: ``reason`` is absent | denied | unusable, ``fix`` says what to do.

    Auto-detection (:func:`wattprint.energy.open_meters`) turns it into a note and falls
    back to estimation; an explicitly requested meter fails with it.
    """

    def __init__(self, message: str, hint: str, reason: str = "unusable") -> None:
        super().__init__(message, hint)
        self.reason = reason
        self.fix = hint


def vendor_failure(
    library: str, phase: str, exc: BaseException, fix: str, cls: type[MeterUnavailable] = MeterUnavailable
) -> MeterUnavailable:
    """The ``cls`` (a :class:`MeterUnavailable`) for any exception a vendor library raised while
    ``phase`` (importing, initialising, listing devices): the exception, named, is the reason."""
    detail = " ".join(str(exc).split())[:200]
    return cls(
        f"{library} failed while {phase} ({type(exc).__name__}{': ' + detail if detail else ''})",
        hint=fix,
        reason="unusable",
    )


class Meter(ABC):
    """One energy source covering one or more components."""

    #: Short name used on the command line: ``rapl``, ``nvml``, ``amdsmi``, ``estimate``.
    name: str = "meter"

    @abstractmethod
    def components(self) -> list[str]:
        """Component names this meter reports, e.g. ``["cpu:0", "dram:0"]``."""

    @abstractmethod
    def provenance(self, component: str) -> Provenance:
        """How figures for ``component`` are obtained."""

    @abstractmethod
    def read(self) -> dict[str, float]:
        """Cumulative energy per component since the meter was opened (J)."""

    def reading(self) -> Reading:
        """One read for a window edge: :meth:`read` plus the components whose counter failed (see
        :class:`Reading`). Meters whose reads cannot fail silently keep this default: no faults."""
        return Reading(self.read())

    def all_components_measured(self) -> bool:
        """True when every component is read from hardware (none estimated); False for no components."""
        comps = self.components()
        return bool(comps) and all(self.provenance(c).measured for c in comps)

    def describe(self) -> MeterDescription:
        """What this meter covers and how (``wattprint meters``, a result's ``environment.meters``).

        The default lists the components and their provenance; meters override it to say their scope.
        """
        comps = self.components()
        provs = {c: self.provenance(c) for c in comps}
        return MeterDescription(
            name=self.name,
            components=tuple(comps),
            method=",".join(sorted({p.method.value for p in provs.values()})),
            measured=self.all_components_measured(),
            detail="; ".join(sorted(f"{c}: {p.label}" for c, p in provs.items())),
        )

    def parts(self) -> list[Meter]:
        """The single meters this one is made of (itself; a :class:`MeterSet` lists its members)."""
        return [self]

    def sync(self) -> None:  # noqa: B027 - optional hook
        """Called at window edges (e.g. CUDA synchronise) before :meth:`read`."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Stop background pollers and release handles."""

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
