"""Deployment projections: energy and carbon of serving a model at a query rate, and training break-even.

Units: energy per query in watt-hours (Wh), rates in queries per day, energy
totals in kWh, carbon in grams and tonnes CO2e. Energy here is IT energy (what
was measured); PUE is applied only to carbon and to the separate ``facility_kwh``
figures, never folded into the measured energy.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from wattprint.carbon.equivalents import Equivalent, equivalents
from wattprint.carbon.factor import CarbonInfo
from wattprint.carbon.resolve import resolve_factor
from wattprint.carbon.units import DAYS_PER_YEAR
from wattprint.errors import WattprintError

#: a horizon beyond this (days) is refused as absurd (100 years)
MAX_WH_PER_QUERY = 1e6  # 1 MWh per query: far above any model; beyond it a typo, or an overflow
MAX_QUERIES_PER_DAY = 1e15  # 100,000x a web search engine's daily queries
MAX_HORIZON_DAYS = 36500.0


class Breakeven(BaseModel):
    """Queries (and days at a rate) until cumulative inference energy equals training energy."""

    training_kwh: float
    kwh_per_query: float
    queries: float
    queries_per_day: float | None = None
    days: float | None = None


class Period(BaseModel):
    """Energy and carbon over one period (IT energy; carbon with the factor's PUE)."""

    label: str
    days: float
    queries: float
    kwh: float
    facility_kwh: float
    g_co2e: float
    t_co2e: float
    water_l: float | None = None


class Projection(BaseModel):
    """What serving ``queries_per_day`` at ``wh_per_query`` costs, per day, per year and over the horizon."""

    wh_per_query: float
    queries_per_day: float
    horizon_days: float
    factor: CarbonInfo
    wue_l_per_kwh: float | None = None
    daily: Period
    yearly: Period
    cumulative: Period
    equivalents: list[Equivalent]  # of the cumulative figures
    breakeven: Breakeven | None = None
    energy_note: str = ""


def _positive(value: float, what: str, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise WattprintError(f"{what} {value!r} is not a number", "pass a plain number") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise WattprintError(f"{what} must be {'zero or ' if allow_zero else ''}more than zero, got {value!r}", "")
    return v


def breakeven(training_wh: float, wh_per_query: float, queries_per_day: float | None = None) -> Breakeven:
    """Queries until inference energy equals ``training_wh`` (Wh), and days at ``queries_per_day``.

    Energy-based, so independent of the grid factor as long as training and
    inference ran on the same grid. Example (the study's Table 5, BLOOMz-7B):
    (51,686 + 7,571) kWh / 1.0e-4 kWh per inference = 592.57 million inferences.
    """
    t = _positive(training_wh, "training energy (Wh)")
    q = _positive(wh_per_query, "energy per query (Wh)")
    n = t / q
    rate = None if queries_per_day is None else _positive(queries_per_day, "query rate (per day)")
    return Breakeven(
        training_kwh=t / 1000.0,
        kwh_per_query=q / 1000.0,
        queries=n,
        queries_per_day=rate,
        days=None if rate is None else n / rate,
    )


def _period(label: str, days: float, rate: float, wh_q: float, f: CarbonInfo, wue: float | None) -> Period:
    queries = rate * days
    kwh = queries * wh_q / 1000.0
    g = kwh * f.pue * f.intensity_g_per_kwh
    return Period(
        label=label,
        days=days,
        queries=queries,
        kwh=kwh,
        facility_kwh=kwh * f.pue,
        g_co2e=g,
        t_co2e=g / 1e6,
        water_l=None if wue is None else kwh * wue,
    )


def project(
    wh_per_query: float,
    queries_per_day: float,
    factor: CarbonInfo | None = None,
    horizon_days: float = DAYS_PER_YEAR,
    training_wh: float | None = None,
    wue_l_per_kwh: float | None = None,
    energy_note: str = "",
) -> Projection:
    """Project serving ``queries_per_day`` queries at ``wh_per_query`` Wh each.

    ``factor`` defaults to :func:`resolve_factor` (explicit WORLD average). Returns daily,
    yearly (365 days) and cumulative (``horizon_days``) energy and carbon, equivalents
    of the cumulative amounts, and, with ``training_wh``, the training break-even.
    ``wue_l_per_kwh`` (litres of site water per IT kWh, The Green Grid's WUE) adds
    water, only when given.
    """
    wh_q = _positive(wh_per_query, "energy per query (Wh)")
    rate = _positive(queries_per_day, "query rate (per day)")
    horizon = _positive(horizon_days, "horizon (days)")
    if horizon > MAX_HORIZON_DAYS:
        raise WattprintError(f"horizon {horizon:g} days is more than 100 years", "pass --days 365 or similar")
    if wh_q > MAX_WH_PER_QUERY:  # 1e300 Wh overflowed to inf and was reported as "must be zero or more"
        raise WattprintError(f"energy per query {wh_q:g} Wh is beyond the limit of {MAX_WH_PER_QUERY:g} Wh",
                             "the largest models use well under 100 Wh per query; check the unit (Wh, kWh)")
    if rate > MAX_QUERIES_PER_DAY:
        raise WattprintError(f"query rate {rate:g} per day is beyond the limit of {MAX_QUERIES_PER_DAY:g} per day",
                             "a web search engine serves about 1e10 queries a day; check the rate and its period")
    wue = None if wue_l_per_kwh is None else _positive(wue_l_per_kwh, "WUE (L/kWh)", allow_zero=True)
    if wue is not None and wue > 20:
        raise WattprintError(f"WUE {wue:g} L/kWh is not credible", "data-centre WUE is typically 0-2 L/kWh")
    f = factor if factor is not None else resolve_factor()
    cumulative = _period("cumulative", horizon, rate, wh_q, f, wue)
    return Projection(
        wh_per_query=wh_q,
        queries_per_day=rate,
        horizon_days=horizon,
        factor=f,
        wue_l_per_kwh=wue,
        daily=_period("daily", 1.0, rate, wh_q, f, wue),
        yearly=_period("yearly", DAYS_PER_YEAR, rate, wh_q, f, wue),
        cumulative=cumulative,
        equivalents=equivalents(cumulative.kwh * 1000.0, cumulative.g_co2e),
        breakeven=None if training_wh is None else breakeven(training_wh, wh_q, rate),
        energy_note=energy_note,
    )
