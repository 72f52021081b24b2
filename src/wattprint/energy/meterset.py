"""MeterSet: several meters read as one (itself a :class:`Meter`)."""

from __future__ import annotations

from collections.abc import Iterable

from wattprint.contracts.meters import MeterDescription
from wattprint.energy.meter import Meter
from wattprint.energy.types import CounterFault, Provenance, Reading
from wattprint.errors import WattprintError


class MeterSet(Meter):
    """A group of meters with disjoint component names, read together.

    ``notes`` holds why the set looks the way it does (fallbacks, skipped
    sources), so reports and ``wattprint meters`` can say it plainly.
    """

    name = "set"

    def __init__(self, meters: Iterable[Meter], notes: Iterable[str] = ()) -> None:
        self.meters: list[Meter] = list(meters)
        self.notes: list[str] = list(notes)
        self._owner: dict[str, Meter] = {}
        self._prov: dict[str, Provenance] = {}
        for m in self.meters:
            for c in m.components():
                if c in self._owner:
                    raise WattprintError(
                        f"component {c!r} is reported by both {self._owner[c].name} and {m.name}",
                        hint="open each source once; a MeterSet needs distinct component names",
                    )
                self._owner[c] = m

    @property
    def names(self) -> list[str]:
        """Names of the meters in the set (``rapl``, ``nvml``, ``estimate``...)."""
        return [m.name for m in self.meters]

    def components(self) -> list[str]:
        return list(self._owner)

    def provenance(self, component: str) -> Provenance:
        cached = self._prov.get(component)
        if cached is not None:
            return cached
        try:
            prov = self._owner[component].provenance(component)
        except KeyError:
            raise WattprintError(
                f"no component {component!r} in this meter set", hint=f"components: {self.components()}"
            ) from None
        self._prov[component] = prov  # provenance is fixed once a meter is open
        return prov

    def read(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for m in self.meters:
            out.update(m.read())
        return out

    def reading(self) -> Reading:
        joules: dict[str, float] = {}
        faults: dict[str, CounterFault] = {}
        for m in self.meters:
            r = m.reading()
            joules.update(r.joules)
            faults.update(r.faults)
        return Reading(joules, faults)

    def sync(self) -> None:
        for m in self.meters:
            m.sync()

    def close(self) -> None:
        for m in self.meters:
            m.close()

    @property
    def all_measured(self) -> bool:
        """True when no component of the set comes from a model."""
        return all(self.provenance(c).measured for c in self.components())

    def parts(self) -> list[Meter]:
        """The meters of the set, in order."""
        return list(self.meters)

    def describe_meters(self) -> list[MeterDescription]:
        """One description per meter of the set (see :meth:`Meter.describe`)."""
        return [m.describe() for m in self.meters]
