"""Number formatting shared by the terminal and HTML reports."""

from __future__ import annotations

import math

__all__ = ["sig", "pct", "params", "interval"]


def sig(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits, no exponent for everyday magnitudes; '-' for None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    mag = math.floor(math.log10(abs(x)))
    if mag >= 6 or mag <= -5:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - mag)
    return f"{x:,.{decimals}f}"


def pct(x: float | None) -> str:
    """Fraction 0..1 as a whole percentage."""
    return "-" if x is None else f"{100 * x:.0f}%"


def params(n: int | None) -> str:
    """Parameter count as 125M / 7.0B."""
    if not n:
        return "-"
    if n >= 1e9:
        return f"{n / 1e9:.1f}B"
    if n >= 1e6:
        return f"{n / 1e6:.0f}M"
    return f"{n / 1e3:.0f}k"


def interval(lo: float | None, hi: float | None) -> str:
    """``[lo, hi]`` with 3 significant digits."""
    if lo is None or hi is None:
        return ""
    return f"[{sig(lo)}, {sig(hi)}]"
