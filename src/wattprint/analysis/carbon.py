"""Recompute carbon for stored runs with another intensity: energy stays, the factor changes."""

from __future__ import annotations

from collections.abc import Iterable

from wattprint.carbon.factor import CarbonInfo
from wattprint.errors import WattprintError
from wattprint.results.schema import RunResult

__all__ = ["carbon_factor", "recompute_carbon"]


def carbon_factor(region: str | None = None, intensity: float | None = None, pue: float = 1.0) -> CarbonInfo:
    """The factor for ``region`` or ``intensity`` (g CO2e/kWh): ``wattprint.carbon.resolve_factor``
    when the carbon layer provides it, else a custom :class:`CarbonInfo` from ``intensity``."""
    try:
        from wattprint.carbon import resolve_factor  # type: ignore[attr-defined]
    except ImportError:
        resolve_factor = None
    if resolve_factor is not None:
        return resolve_factor(region=region, intensity=intensity, pue=pue)
    if intensity is None:
        raise WattprintError(
            f"cannot resolve region {region!r}: this wattprint has no carbon intensity table",
            "give the intensity directly: --intensity G_PER_KWH",
        )
    if intensity < 0:
        raise WattprintError(f"intensity must be >= 0 g/kWh, got {intensity}", "e.g. --intensity 475")
    return CarbonInfo(intensity_g_per_kwh=intensity, region=region or "custom", source="user-given",
                      scope="direct", pue=pue)


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
