"""Recompute carbon for stored runs with another intensity: energy stays, the factor changes."""

from __future__ import annotations

from collections.abc import Iterable

from wattprint.carbon.factor import CarbonInfo
from wattprint.results.schema import RunResult

__all__ = ["carbon_factor", "recompute_carbon"]


def carbon_factor(region: str | None = None, intensity: float | None = None, pue: float = 1.0) -> CarbonInfo:
    """The factor for ``region`` or ``intensity`` (g CO2e/kWh), by ``wattprint.carbon.resolve_factor``."""
    from wattprint.carbon import resolve_factor

    return resolve_factor(region=region, intensity=intensity, pue=pue)


def recompute_carbon(results: Iterable[RunResult], factor: CarbonInfo) -> list[RunResult]:
    """Copies of ``results`` with ``factor`` as their carbon factor; the originals are unchanged.

    The previous factor is kept in ``extra["carbon_original"]`` of each copy.
    """
    out = []
    for r in results:
        extra = dict(r.extra)
        if r.carbon is not None and "carbon_original" not in extra:
            extra["carbon_original"] = r.carbon.model_dump(mode="json")
        out.append(r.model_copy(update={"carbon": factor, "extra": extra}))
    return out
