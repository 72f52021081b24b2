"""Optional accounting layers, each explicit and kept apart from measured energy.

* PUE (facility overhead): a multiplier on IT energy used only for carbon and
  ``facility`` figures; default 1.0 (none). :data:`PUE_VALUES` lists published
  figures the user may pick; none is applied silently.
* Embodied emissions of hardware, amortised linearly over its service life.
* Water: litres = IT kWh x WUE (L/kWh, The Green Grid's site water usage
  effectiveness), only when the user supplies a WUE.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from wattprint.carbon.resolve import check_energy_wh, check_pue
from wattprint.errors import WattprintError

SECONDS_PER_YEAR = 365.25 * 86400.0


class Published(BaseModel):
    """A published figure with its source and year."""

    id: str
    name: str
    value: float
    unit: str
    year: int | None
    source: str


#: PUE figures people cite. Survey averages describe all facilities, hyperscale fleet figures the best.
PUE_VALUES: list[Published] = [
    Published(
        id="none",
        name="IT energy only (wattprint default)",
        value=1.0,
        unit="PUE",
        year=None,
        source="definition: PUE 1.0 adds no facility overhead; what a meter measures is IT energy",
    ),
    Published(
        id="uptime-2022",
        name="industry average, Uptime Institute survey 2022",
        value=1.55,
        unit="PUE",
        year=2022,
        source="Uptime Institute Global Data Center Survey 2022 (average annual PUE)",
    ),
    Published(
        id="uptime-2023",
        name="industry average, Uptime Institute survey 2023",
        value=1.58,
        unit="PUE",
        year=2023,
        source="Uptime Institute Global Data Center Survey 2023 (average annual PUE)",
    ),
    Published(
        id="uptime-2024",
        name="industry average, Uptime Institute survey 2024",
        value=1.56,
        unit="PUE",
        year=2024,
        source="Uptime Institute Global Data Center Survey 2024 (average annual PUE)",
    ),
    Published(
        id="google-2023",
        name="hyperscale fleet, Google 2023",
        value=1.10,
        unit="PUE",
        year=2023,
        source="Google 2024 Environmental Report: fleet-wide trailing-twelve-month PUE for 2023",
    ),
]

#: Embodied-emission figures for accelerators and servers (kg CO2e per unit, cradle to gate).
EMBODIED_VALUES: list[Published] = [
    Published(
        id="a100-gpu-bloom",
        name="one NVIDIA A100 GPU (BLOOM estimate)",
        value=150.0,
        unit="kg CO2e",
        year=2023,
        source="Luccioni, Viguier, Ligozat, 'Estimating the Carbon Footprint of BLOOM', JMLR 24 (2023): "
        "about 150 kg CO2e per GPU, by analogy in the absence of vendor data",
    ),
    Published(
        id="server-node-bloom",
        name="one compute server node without GPUs (BLOOM estimate, HPE figure)",
        value=2500.0,
        unit="kg CO2e",
        year=2023,
        source="Luccioni, Viguier, Ligozat, 'Estimating the Carbon Footprint of BLOOM', JMLR 24 (2023): "
        "about 2,500 kg CO2e per server node, from HPE's life-cycle figure for a similar server",
    ),
]


def published_pue(id_: str) -> float:
    """The PUE value of a :data:`PUE_VALUES` entry by id (e.g. ``uptime-2024``)."""
    for p in PUE_VALUES:
        if p.id == id_:
            return p.value
    raise WattprintError(f"unknown PUE preset {id_!r}", "known: " + ", ".join(p.id for p in PUE_VALUES))


def facility_wh(it_wh: float, pue: float) -> float:
    """Facility energy (Wh) for ``it_wh`` Wh of measured IT energy at ``pue``."""
    return check_energy_wh(it_wh) * check_pue(pue)


def embodied_grams(duration_s: float, embodied_kg_co2e: float, lifetime_years: float, share: float = 1.0) -> float:
    """Embodied grams CO2e attributed to ``duration_s`` seconds of use.

    Linear amortisation: ``embodied_kg_co2e`` x 1000 x ``share`` x duration / lifetime,
    where ``share`` (0-1) is the fraction of the hardware the workload used (e.g. 1/8
    of an 8-GPU node). A separate figure, never added to operational carbon silently.
    """
    for v, what in ((duration_s, "duration (s)"), (embodied_kg_co2e, "embodied emissions (kg CO2e)")):
        if not math.isfinite(v) or v < 0:
            raise WattprintError(f"{what} must be zero or more, got {v!r}", "")
    if not math.isfinite(lifetime_years) or not 0.5 <= lifetime_years <= 20:
        raise WattprintError(
            f"hardware lifetime {lifetime_years!r} years is outside 0.5-20", "servers typically live 3-6 years"
        )
    if not math.isfinite(share) or not 0 < share <= 1:
        raise WattprintError(f"hardware share {share!r} must be in (0, 1]", "e.g. 0.125 for one GPU of eight")
    return embodied_kg_co2e * 1000.0 * share * duration_s / (lifetime_years * SECONDS_PER_YEAR)


def water_litres(it_wh: float, wue_l_per_kwh: float) -> float:
    """Site water (litres) for ``it_wh`` Wh of IT energy at ``wue_l_per_kwh`` (L per IT kWh)."""
    it_wh = check_energy_wh(it_wh)
    if not math.isfinite(wue_l_per_kwh) or not 0 <= wue_l_per_kwh <= 20:
        raise WattprintError(f"WUE {wue_l_per_kwh!r} L/kWh is outside 0-20", "data-centre WUE is typically 0-2 L/kWh")
    return it_wh / 1000.0 * wue_l_per_kwh
