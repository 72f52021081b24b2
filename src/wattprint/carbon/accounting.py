"""Carbon from energy, recomputable: results store energy (Wh) and the factor apart.

These helpers let analysis and import code recompute grams CO2e from stored
energy with any other factor, without touching the measured energy.
"""

from __future__ import annotations

from wattprint.carbon.factor import CarbonInfo
from wattprint.carbon.resolve import check_energy_wh, check_intensity, check_pue
from wattprint.errors import WattprintError


def grams(wh: float, intensity_g_per_kwh: float, pue: float = 1.0) -> float:
    """Grams CO2e for ``wh`` watt-hours of IT energy at ``intensity_g_per_kwh``, times ``pue``."""
    return check_energy_wh(wh) / 1000.0 * check_pue(pue) * check_intensity(intensity_g_per_kwh)


def recompute(wh: float, factor: CarbonInfo | float, pue: float | None = None) -> float:
    """Grams CO2e for ``wh`` Wh with ``factor`` (a :class:`CarbonInfo` or g CO2e/kWh).

    With a CarbonInfo its own PUE applies unless ``pue`` overrides it; with a bare
    intensity ``pue`` defaults to 1.0.
    """
    if isinstance(factor, CarbonInfo):
        return grams(wh, factor.intensity_g_per_kwh, factor.pue if pue is None else pue)
    return grams(wh, factor, 1.0 if pue is None else pue)


def rescale(grams_old: float, old: CarbonInfo, new: CarbonInfo) -> float:
    """Grams under ``new`` given grams computed under ``old`` (for records that kept only grams)."""
    denom = old.intensity_g_per_kwh * old.pue
    if denom <= 0:
        raise WattprintError("cannot rescale grams computed with a zero intensity", "recompute from stored energy")
    return float(grams_old) / denom * new.intensity_g_per_kwh * new.pue


def wh_from_joules(joules: float) -> float:
    """Watt-hours from joules (1 Wh = 3,600 J)."""
    return float(joules) / 3600.0
