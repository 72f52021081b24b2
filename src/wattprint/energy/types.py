"""Core value types of the energy layer.

Every energy figure in wattprint is a :class:`ComponentEnergy`: joules for one
component (``cpu:0``, ``dram:0``, ``psys``, ``gpu:0``, ``ram``...) with the
:class:`Provenance` that says how it was obtained and how uncertain it is.

They are standard-library dataclasses, so that importing the energy layer (and
opening a ``track`` window) builds no pydantic model. Each checks its own
invariants in ``__post_init__`` (a :class:`ValueError` for bad values), and the
result schema (pydantic) embeds, validates and dumps them as ordinary fields.
:meth:`Provenance.to_dict` and :meth:`EnergyReport.to_dict` give the same
JSON-ready dict as the stored documents.

Units: energy in joules (J), power in watts (W), time in seconds (s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


def _number(owner: str, name: str, value: object, *, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a float within ``[low, high]``, else a one-line ValueError naming ``owner.name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{owner}.{name} must be a number, got {value!r}")
    x = float(value)
    if math.isnan(x) or (low is not None and x < low) or (high is not None and x > high):
        bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        raise ValueError(f"{owner}.{name} must lie in {bounds}, got {value!r}")
    return x


class Method(str, Enum):
    """How a figure was obtained, from most to least trustworthy."""

    COUNTER = "counter"
    """Difference of a hardware energy counter (RAPL energy_uj, NVML total energy)."""
    POWER_INTEGRATION = "power-integration"
    """Trapezoid integral of sampled hardware power readings."""
    MODEL = "model"
    """An estimate from a model (TDP table, per-GB rule): not a measurement."""

    @property
    def measured(self) -> bool:
        """True when the figure comes from a hardware sensor, not a model."""
        return self is not Method.MODEL


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """Where a figure comes from and how far it can be trusted.

    ``uncertainty_low``/``uncertainty_high`` are *relative* bounds: the true
    value lies in ``[x * (1 + low), x * (1 + high)]`` with the stated
    confidence. A counter might say (-0.05, +0.05); a TDP model (-0.5, +1.0).

    Fields: ``source`` (rapl | nvml | amdsmi | estimate | codecarbon | ...),
    ``method`` (:class:`Method`, a string value is accepted), ``sampling_period_s``
    (poll period for power integration or wrap guarding, s, >= 0, or None),
    ``uncertainty_low`` (relative lower bound in [-1, 0], e.g. -0.05),
    ``uncertainty_high`` (relative upper bound >= 0, e.g. +0.05), ``note``
    (human-readable detail: device name, model used).
    """

    source: str
    method: Method
    sampling_period_s: float | None = None
    uncertainty_low: float
    uncertainty_high: float
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.source, str):
            raise ValueError(f"Provenance.source must be a string, got {self.source!r}")
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "method", Method(self.method))
        if self.sampling_period_s is not None:
            set_(self, "sampling_period_s", _number("Provenance", "sampling_period_s", self.sampling_period_s, low=0))
        set_(self, "uncertainty_low", _number("Provenance", "uncertainty_low", self.uncertainty_low, low=-1, high=0))
        set_(self, "uncertainty_high", _number("Provenance", "uncertainty_high", self.uncertainty_high, low=0))
        if not isinstance(self.note, str):
            raise ValueError(f"Provenance.note must be a string, got {self.note!r}")

    @property
    def measured(self) -> bool:
        return self.method.measured

    @property
    def label(self) -> str:
        """Short label for tables: ``measured (rapl counter)`` / ``estimated (model)``."""
        kind = "measured" if self.measured else "estimated"
        return f"{kind} ({self.source} {self.method.value})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, the same keys and values as in a stored result."""
        return {
            "source": self.source,
            "method": self.method.value,
            "sampling_period_s": self.sampling_period_s,
            "uncertainty_low": self.uncertainty_low,
            "uncertainty_high": self.uncertainty_high,
            "note": self.note,
        }


@dataclass(kw_only=True)
class ComponentEnergy:
    """Energy of one component over one window, in joules (``joules`` >= 0).

    ``component``: cpu:0, dram:0, psys, gpu:0, ram, cpu ...
    """

    component: str
    joules: float
    provenance: Provenance

    def __post_init__(self) -> None:
        if not isinstance(self.component, str):
            raise ValueError(f"ComponentEnergy.component must be a string, got {self.component!r}")
        self.joules = _number("ComponentEnergy", "joules", self.joules, low=0)
        if not isinstance(self.provenance, Provenance):
            raise ValueError(f"ComponentEnergy.provenance must be a Provenance, got {type(self.provenance).__name__}")

    @property
    def bounds_j(self) -> tuple[float, float]:
        """Lower and upper bound in joules from the provenance's relative uncertainty."""
        p = self.provenance
        return (self.joules * (1 + p.uncertainty_low), self.joules * (1 + p.uncertainty_high))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, the same keys and values as in a stored result."""
        return {"component": self.component, "joules": self.joules, "provenance": self.provenance.to_dict()}


@dataclass(kw_only=True)
class EnergyReport:
    """What a measured window returns: energy per component over a duration.

    ``duration_s`` (s, >= 0) is required; ``name`` and ``start_unix_s`` (Unix
    time, s) default to ``""`` and 0. Component names must be unique.
    ``idle_power_w`` (optional) holds the idle baseline power per component (W); when
    present, :attr:`net_joules` subtracts idle power x duration (floored at 0).
    """

    name: str = ""
    start_unix_s: float = 0.0
    duration_s: float
    components: list[ComponentEnergy] = field(default_factory=list)
    idle_power_w: dict[str, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError(f"EnergyReport.name must be a string, got {self.name!r}")
        self.start_unix_s = _number("EnergyReport", "start_unix_s", self.start_unix_s)
        self.duration_s = _number("EnergyReport", "duration_s", self.duration_s, low=0)
        self.components = list(self.components)
        for c in self.components:
            if not isinstance(c, ComponentEnergy):
                raise ValueError(f"EnergyReport.components must hold ComponentEnergy, got {type(c).__name__}")
        names = [c.component for c in self.components]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate components in energy report: {names}")
        if self.idle_power_w is not None:
            self.idle_power_w = {
                str(k): _number("EnergyReport", f"idle_power_w[{k!r}]", v) for k, v in self.idle_power_w.items()
            }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, the same keys and values as in a stored result."""
        return {
            "name": self.name,
            "start_unix_s": self.start_unix_s,
            "duration_s": self.duration_s,
            "components": [c.to_dict() for c in self.components],
            "idle_power_w": None if self.idle_power_w is None else dict(self.idle_power_w),
        }

    @property
    def joules(self) -> dict[str, float]:
        return {c.component: c.joules for c in self.components}

    @property
    def total_joules(self) -> float:
        return sum(c.joules for c in self.components)

    @property
    def mean_power_w(self) -> float:
        return self.total_joules / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def measured_joules(self) -> float:
        """Part of the total that comes from hardware sensors."""
        return sum(c.joules for c in self.components if c.provenance.measured)

    @property
    def estimated_joules(self) -> float:
        """Part of the total that comes from a model (never presented as measured)."""
        return sum(c.joules for c in self.components if not c.provenance.measured)

    @property
    def all_measured(self) -> bool:
        return bool(self.components) and all(c.provenance.measured for c in self.components)

    @property
    def net_joules(self) -> dict[str, float] | None:
        """Energy per component net of the idle baseline (J), or None without a baseline."""
        if self.idle_power_w is None:
            return None
        return {
            c.component: max(0.0, c.joules - self.idle_power_w.get(c.component, 0.0) * self.duration_s)
            for c in self.components
        }

    @property
    def net_total_joules(self) -> float | None:
        net = self.net_joules
        return None if net is None else sum(net.values())

    @property
    def idle_share(self) -> float | None:
        """Fraction of the gross total attributable to idle power (0..1)."""
        net = self.net_total_joules
        if net is None or self.total_joules <= 0:
            return None
        return 1.0 - net / self.total_joules

    @property
    def bounds_j(self) -> tuple[float, float]:
        """Total lower and upper bound in joules (bounds added: conservative)."""
        bounds = [c.bounds_j for c in self.components]
        return sum(b[0] for b in bounds), sum(b[1] for b in bounds)


@dataclass(frozen=True, kw_only=True)
class CounterFault:
    """Why one component's cumulative figure in a :class:`Reading` is not simply a fresh counter reading.

    ``stale``: why the counter's latest read failed ("" when it succeeded); the figure is then the
    one of its last good read, ``stale_s`` seconds (s, >= 0) old. ``gaps``: how many times so far
    the counter went unread longer than it can take to wrap (a wrap may be missing from the
    figure); ``gap_note`` describes the latest. ``dropped``: how many intervals so far were dropped
    as glitches (an implausible jump: their energy is unknown); ``dropped_note`` describes the latest.
    ``mean_power_w``: the counter's mean power since the meter opened (W), the basis of an estimate
    when a window has nothing better, or None.
    """

    stale: str = ""
    stale_s: float = 0.0
    gaps: int = 0
    gap_note: str = ""
    mean_power_w: float | None = None
    dropped: int = 0
    dropped_note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "stale_s", _number("CounterFault", "stale_s", self.stale_s, low=0))
        if self.gaps < 0:
            raise ValueError(f"CounterFault.gaps must be >= 0, got {self.gaps!r}")
        if self.dropped < 0:
            raise ValueError(f"CounterFault.dropped must be >= 0, got {self.dropped!r}")
        if self.mean_power_w is not None:
            object.__setattr__(self, "mean_power_w", _number("CounterFault", "mean_power_w", self.mean_power_w, low=0))


@dataclass(frozen=True)
class Reading:
    """One read of a meter at a window edge: cumulative energy per component since the meter
    opened (J, as :meth:`Meter.read`), and the :class:`CounterFault` of every component whose
    counter failed or went unread too long (components absent from ``faults`` were read fine)."""

    joules: dict[str, float]
    faults: dict[str, CounterFault] = field(default_factory=dict)
