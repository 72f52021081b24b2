"""wattprint.carbon: grid intensity, PUE and other explicit layers, equivalents and projections.

Units: energy in watt-hours (Wh), intensity in g CO2e/kWh, carbon in grams CO2e (g).
Carbon is always kept apart from energy (:class:`CarbonInfo`), so it can be
recomputed later with another factor (:func:`recompute`).
"""

from wattprint.carbon.accounting import grams, recompute, rescale
from wattprint.carbon.equivalents import Equivalent, equivalents
from wattprint.carbon.factor import CarbonInfo
from wattprint.carbon.layers import embodied_grams, facility_wh, water_litres
from wattprint.carbon.projection import Breakeven, Projection, breakeven, project
from wattprint.carbon.regions import RegionFactor, find_by_intensity, list_regions, lookup
from wattprint.carbon.resolve import resolve_factor

__all__ = [
    "Breakeven",
    "CarbonInfo",
    "Projection",
    "breakeven",
    "embodied_grams",
    "facility_wh",
    "find_by_intensity",
    "project",
    "water_litres",
    "Equivalent",
    "RegionFactor",
    "equivalents",
    "grams",
    "list_regions",
    "lookup",
    "recompute",
    "rescale",
    "resolve_factor",
]
