"""Live grid-intensity providers: Electricity Maps, WattTime (marginal), UK Carbon Intensity (GB).

``fetch_series("uk", kind="forecast")``, ``fetch_series("electricitymaps:DE", ...)``,
``fetch_series("watttime:CAISO_NORTH", ...)``. Each returns an
:class:`~wattprint.carbon.series.IntensitySeries` whose identity names the provider, zone,
endpoint and fetch time. Network only when called; httpx imported lazily.
"""

from __future__ import annotations

from datetime import datetime

from wattprint.carbon.series import IntensitySeries
from wattprint.errors import WattprintError

#: accepted names -> module under wattprint.carbon.providers
PROVIDERS = {
    "electricitymaps": "electricitymaps", "electricity-maps": "electricitymaps", "em": "electricitymaps",
    "watttime": "watttime", "wt": "watttime",
    "uk": "ukgrid", "ukgrid": "ukgrid", "uk-carbon-intensity": "ukgrid", "carbonintensity": "ukgrid",
}  # fmt: skip


def parse_source(spec: str, default_zone: str | None = None) -> tuple[str, str]:
    """``provider[:zone]`` -> (module name, zone); the zone defaults to ``default_zone`` (e.g. ``--region``)."""
    name, _, zone = str(spec).strip().partition(":")
    module = PROVIDERS.get(name.strip().lower())
    if module is None:
        raise WattprintError(f"unknown carbon source {name!r}",
                             "use uk, electricitymaps:ZONE or watttime:REGION (e.g. electricitymaps:DE)")
    zone = zone.strip() or (default_zone or "")
    if not zone and module != "ukgrid":
        raise WattprintError(f"carbon source {name!r} needs a zone",
                             f"write {name}:ZONE, e.g. electricitymaps:DE or watttime:CAISO_NORTH")
    return module, zone or "GB"


def fetch_series(spec: str, kind: str = "history", start: datetime | None = None, end: datetime | None = None, *,
                 default_zone: str | None = None, base_url: str | None = None,
                 timeout_s: float | None = None) -> IntensitySeries:
    """Ask the provider named in ``spec`` for a series (``kind``: history or forecast). Raises WattprintError."""
    import importlib

    from wattprint.carbon.providers.http import DEFAULT_TIMEOUT_S

    module, zone = parse_source(spec, default_zone)
    mod = importlib.import_module(f"wattprint.carbon.providers.{module}")
    return mod.fetch(zone, kind, start, end, base_url=base_url, timeout_s=timeout_s or DEFAULT_TIMEOUT_S)
