"""Unit parsing and formatting for energy (J, Wh, kWh, MWh, GWh), mass of CO2e (g, kg, t) and rates.

Internal units: watt-hours (Wh) for energy, grams CO2e (g) for mass, queries per
day for rates. Every parser rejects negative, non-finite or unit-less-when-ambiguous
input with a :class:`~wattprint.errors.WattprintError`.
"""

from __future__ import annotations

import math
import re

from wattprint.errors import WattprintError

J_PER_WH = 3600.0
SECONDS_PER_DAY = 86400.0
DAYS_PER_YEAR = 365.0

#: multiplier to watt-hours
ENERGY_UNITS: dict[str, float] = {
    "j": 1.0 / J_PER_WH,
    "kj": 1000.0 / J_PER_WH,
    "mj": 1e6 / J_PER_WH,
    "wh": 1.0,
    "kwh": 1e3,
    "mwh": 1e6,
    "gwh": 1e9,
}
#: multiplier to grams
MASS_UNITS: dict[str, float] = {"g": 1.0, "kg": 1e3, "t": 1e6, "tonne": 1e6, "tonnes": 1e6}
#: multiplier to "per day"
PERIODS: dict[str, float] = {
    "s": SECONDS_PER_DAY, "sec": SECONDS_PER_DAY, "second": SECONDS_PER_DAY,
    "min": 1440.0, "minute": 1440.0,
    "h": 24.0, "hr": 24.0, "hour": 24.0,
    "d": 1.0, "day": 1.0,
    "week": 1 / 7.0, "wk": 1 / 7.0,
    "month": 12 / DAYS_PER_YEAR,
    "y": 1 / DAYS_PER_YEAR, "yr": 1 / DAYS_PER_YEAR, "year": 1 / DAYS_PER_YEAR,
}  # fmt: skip
#: count suffixes: 10k, 10M, 2B (billion), 1T (trillion)
SUFFIXES: dict[str, float] = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9, "g": 1e9, "t": 1e12}

_NUM = r"[+-]?(?:\d+(?:[.,_]\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QTY = re.compile(rf"^\s*({_NUM})\s*([A-Za-zµ]*)\s*$")
_RATE = re.compile(rf"^\s*({_NUM})\s*([A-Za-z]*)\s*(?:/|per\s+)\s*([A-Za-z]+)\s*$")


def _number(text: str, what: str) -> float:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise WattprintError(f"{what}: {text!r} is not a number", "use e.g. 0.5, 1e-4 or 2,500") from None
    return value


def _check(value: float, what: str, allow_zero: bool = True) -> float:
    if not math.isfinite(value):
        raise WattprintError(f"{what} must be finite, got {value}", "pass an ordinary number")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise WattprintError(f"{what} must be {bound}, got {value:g}", "energy, mass and rates cannot be negative")
    return value


def _parse_quantity(
    value: str | float | int, units: dict[str, float], default_unit: str, what: str, example: str, unit_list: str,
    kind: str,
) -> float:
    """``value`` (a number with an optional unit from ``units``, else ``default_unit``) in the base unit."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _check(float(value) * units[default_unit.lower()], what)
    m = _QTY.match(str(value))
    if not m:
        raise WattprintError(f"{what}: cannot read {value!r}", f"write a number and a unit, e.g. {example}")
    num, unit = _number(m.group(1), what), (m.group(2) or default_unit).lower()
    if unit not in units:
        raise WattprintError(f"{what}: unknown {kind} unit {m.group(2)!r}", f"use {unit_list}")
    return _check(num * units[unit], what)


def parse_energy(value: str | float | int, default_unit: str = "Wh", what: str = "energy") -> float:
    """Energy in watt-hours (Wh) from ``"0.1Wh"``, ``"1e-4 kWh"``, ``"360 J"``, ``"3 MWh"`` or a bare number.

    A bare number is read in ``default_unit``.
    """
    return _parse_quantity(value, ENERGY_UNITS, default_unit, what, "0.1Wh, 1e-4kWh, 360J",
                           "J, kJ, MJ, Wh, kWh, MWh or GWh", "energy")


def parse_mass(value: str | float | int, default_unit: str = "g", what: str = "mass") -> float:
    """Mass of CO2e in grams from ``"12 g"``, ``"3.5kg"``, ``"2 t"`` or a bare number (``default_unit``)."""
    return _parse_quantity(value, MASS_UNITS, default_unit, what, "12g, 3.5kg, 2t", "g, kg or t (tonnes)", "mass")


def parse_count(value: str | float | int, what: str = "count") -> float:
    """A count with an optional suffix: ``"10M"`` = 1e7, ``"2.5k"``, ``"1B"``, ``"592.57M"``, ``"1e6"``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _check(float(value), what)
    m = _QTY.match(str(value))
    if not m or m.group(2).lower() not in SUFFIXES:
        raise WattprintError(f"{what}: cannot read {value!r}", "use e.g. 1000, 1e6, 10k, 10M or 2B")
    return _check(_number(m.group(1), what) * SUFFIXES[m.group(2).lower()], what)


def parse_rate(value: str | float | int, what: str = "rate") -> float:
    """A query rate in queries per DAY from ``"10M/day"``, ``"1e6/day"``, ``"500/s"``, ``"2k per hour"``.

    A bare number is read as queries per day. The rate must be more than zero.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _check(float(value), what, allow_zero=False)
    text = str(value).strip()
    m = _RATE.match(text)
    if m is None:
        if _QTY.match(text):
            return _check(parse_count(text, what), what, allow_zero=False)
        raise WattprintError(f"{what}: cannot read {value!r}", "use e.g. 10M/day, 1e6/day, 500/s or 2k/hour")
    suffix, period = m.group(2).lower(), m.group(3).lower().rstrip("s") or "s"
    if period not in PERIODS:
        period = m.group(3).lower()
    if suffix not in SUFFIXES:
        raise WattprintError(f"{what}: unknown multiplier {m.group(2)!r} in {value!r}", "use k, M, B (or none)")
    if period not in PERIODS:
        raise WattprintError(f"{what}: unknown period {m.group(3)!r} in {value!r}", "use /s, /min, /hour, /day, /year")
    return _check(_number(m.group(1), what) * SUFFIXES[suffix] * PERIODS[period], what, allow_zero=False)


def _scaled(value: float, steps: list[tuple[float, str]], digits: int) -> str:
    for factor, unit in steps:
        if abs(value) >= factor:
            return f"{value / factor:.{digits}g} {unit}"
    factor, unit = steps[-1]
    return f"{value / factor:.{digits}g} {unit}"


def format_energy(wh: float, digits: int = 4) -> str:
    """Human-readable energy from watt-hours: ``1.234 kWh``, ``56.7 Wh``, ``12 J``."""
    return _scaled(wh, [(1e9, "GWh"), (1e6, "MWh"), (1e3, "kWh"), (1.0, "Wh"), (1 / J_PER_WH, "J")], digits)


def format_mass(grams: float, digits: int = 4) -> str:
    """Human-readable CO2e mass from grams: ``1.2 t``, ``340 kg``, ``12.5 g``."""
    return _scaled(grams, [(1e6, "t"), (1e3, "kg"), (1.0, "g"), (1e-3, "mg")], digits)


def format_count(n: float, digits: int = 5) -> str:
    """``592.57 million`` style counts."""
    for factor, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if abs(n) >= factor:
            return f"{n / factor:.{digits}g} {word}"
    return f"{n:.{digits}g}"


#: seconds per duration unit
DURATION_UNITS: dict[str, float] = {
    "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
}  # fmt: skip


def parse_duration(value: str | float | int, what: str = "duration") -> float:
    """Seconds from ``"3h"``, ``"90min"``, ``"2d"``, ``"3600s"``; a bare number is hours. Must be > 0."""
    seconds = _parse_quantity(value, DURATION_UNITS, "h", what, "3h, 90min, 2d", "s, min, h or d", "duration")
    if seconds <= 0:
        raise WattprintError(f"{what} must be more than zero", "e.g. 3h")
    return seconds
