"""Choose the carbon factor for a run: explicit region, explicit intensity, or the explicit WORLD default."""

from __future__ import annotations

import math

from wattprint.carbon.factor import CarbonInfo
from wattprint.carbon.regions import DEFAULT_REGION, data_version, lookup
from wattprint.errors import WattprintError

#: highest grid intensity accepted (g CO2e/kWh); the dirtiest national grids are near 1,000-1,200
MAX_INTENSITY_G_PER_KWH = 2000.0
#: PUE bounds accepted: 1.0 is a perfect facility; values above 3 are not credible today
MIN_PUE, MAX_PUE = 1.0, 3.0


def check_energy_wh(wh: float) -> float:
    """Validate an energy in Wh: finite and zero or more."""
    value = float(wh)
    if not math.isfinite(value) or value < 0:
        raise WattprintError(f"energy {wh!r} Wh must be zero or more", "energy cannot be negative")
    return value


def check_intensity(intensity: float) -> float:
    """Validate a grid intensity in g CO2e/kWh (0 to 2,000)."""
    try:
        value = float(intensity)
    except (TypeError, ValueError):
        raise WattprintError(f"intensity {intensity!r} is not a number", "pass grams CO2e per kWh, e.g. 350") from None
    if not math.isfinite(value) or value < 0 or value > MAX_INTENSITY_G_PER_KWH:
        raise WattprintError(
            f"intensity {value:g} g CO2e/kWh is outside 0-{MAX_INTENSITY_G_PER_KWH:g}",
            "grid intensities are in grams per kWh (world average about 475); did you pass kg or lbs/MWh?",
        )
    return value


def check_pue(pue: float) -> float:
    """Validate a PUE (1.0 to 3.0)."""
    try:
        value = float(pue)
    except (TypeError, ValueError):
        raise WattprintError(f"PUE {pue!r} is not a number", "pass e.g. 1.1 (hyperscale) or 1.56 (industry)") from None
    if not math.isfinite(value) or value < MIN_PUE or value > MAX_PUE:
        raise WattprintError(
            f"PUE {value:g} is outside {MIN_PUE:g}-{MAX_PUE:g}",
            "PUE = facility energy / IT energy; 1.0 is no overhead, about 1.1 hyperscale, 1.56 industry average",
        )
    return value


def resolve_factor(region: str | None = None, intensity: float | None = None, pue: float = 1.0) -> CarbonInfo:
    """The carbon factor to store with a result.

    * ``intensity`` given (g CO2e/kWh): used as is, source "user-supplied"; ``region``
      (if any) is kept only as a label.
    * else ``region`` given: the packaged sourced value (see :func:`lookup`).
    * else the explicit ``WORLD`` average, recorded as such; never a location guess.

    ``pue`` (1.0-3.0, default 1.0 = IT energy only) multiplies energy when grams are computed.
    """
    pue = check_pue(pue)
    if intensity is not None:
        value = check_intensity(intensity)
        label = region.strip() if region and region.strip() else "custom"
        return CarbonInfo(
            intensity_g_per_kwh=value, region=label, source="user-supplied (--intensity)", year=None, scope="", pue=pue
        )
    rf = lookup(region if region is not None else DEFAULT_REGION)
    source = f"{rf.citation()} [wattprint grid data v{data_version()}, id {rf.source}]"
    return CarbonInfo(
        intensity_g_per_kwh=rf.g_per_kwh, region=rf.key, source=source, year=rf.year, scope=rf.scope, pue=pue
    )
