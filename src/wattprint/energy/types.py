"""Core value types of the energy layer.

Every energy figure in wattprint is a :class:`ComponentEnergy`: joules for one
component (``cpu:0``, ``dram:0``, ``psys``, ``gpu:0``, ``ram``...) with the
:class:`Provenance` that says how it was obtained and how uncertain it is.

Units: energy in joules (J), power in watts (W), time in seconds (s).
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


class Provenance(BaseModel):
    """Where a figure comes from and how far it can be trusted.

    ``uncertainty_low``/``uncertainty_high`` are *relative* bounds: the true
    value lies in ``[x * (1 + low), x * (1 + high)]`` with the stated
    confidence. A counter might say (-0.05, +0.05); a TDP model (-0.5, +1.0).
    """

    model_config = ConfigDict(frozen=True)

    source: str = Field(description="rapl | nvml | amdsmi | estimate | codecarbon | ...")
    method: Method
    sampling_period_s: float | None = Field(
        default=None, ge=0, description="Poll period for power integration or wrap guarding (s)."
    )
    uncertainty_low: float = Field(le=0, ge=-1, description="Relative lower bound, e.g. -0.05.")
    uncertainty_high: float = Field(ge=0, description="Relative upper bound, e.g. +0.05.")
    note: str = Field(default="", description="Human-readable detail: device name, model used.")

    @property
    def measured(self) -> bool:
        return self.method.measured

    @property
    def label(self) -> str:
        """Short label for tables: ``measured (rapl counter)`` / ``estimated (model)``."""
        kind = "measured" if self.measured else "estimated"
        return f"{kind} ({self.source} {self.method.value})"


class ComponentEnergy(BaseModel):
    """Energy of one component over one window, in joules."""

    component: str = Field(description="cpu:0, dram:0, psys, gpu:0, ram, cpu ...")
    joules: float = Field(ge=0)
    provenance: Provenance

    @property
    def bounds_j(self) -> tuple[float, float]:
        """Lower and upper bound in joules from the provenance's relative uncertainty."""
        p = self.provenance
        return (self.joules * (1 + p.uncertainty_low), self.joules * (1 + p.uncertainty_high))


class EnergyReport(BaseModel):
    """What a measured window returns: energy per component over a duration.

    ``idle_power_w`` (optional) holds the idle baseline power per component; when
    present, :attr:`net_joules` subtracts idle power x duration (floored at 0).
    """

    name: str = ""
    start_unix_s: float = 0.0
    duration_s: float = Field(ge=0)
    components: list[ComponentEnergy] = Field(default_factory=list)
    idle_power_w: dict[str, float] | None = None

    @model_validator(mode="after")
    def _unique_components(self) -> EnergyReport:
        names = [c.component for c in self.components]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate components in energy report: {names}")
        return self

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
