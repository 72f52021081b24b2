"""UK National Grid ESO (NESO) Carbon Intensity API: Great Britain, half-hourly, free, no key.

``GET /intensity/{from}/fw24h`` (forecast, next 24 h) and ``GET /intensity/{from}/{to}``
(history, up to 14 days), times ``YYYY-MM-DDThh:mmZ``. Each item:
``{"from", "to", "intensity": {"forecast": g CO2/kWh, "actual": g CO2/kWh or null, "index"}}``.
History uses ``actual`` and falls back to ``forecast`` where ``actual`` is null (the note says
how many). Base URL: ``$WATTPRINT_UKGRID_URL`` or ``base_url``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from wattprint.carbon.providers.http import DEFAULT_TIMEOUT_S, field, field_list, get_json
from wattprint.carbon.series import IntensitySeries, SeriesIdentity, make_series, parse_time, points_digest
from wattprint.errors import WattprintError

NAME = "uk-carbon-intensity"
DEFAULT_URL = "https://api.carbonintensity.org.uk"
URL_ENV = "WATTPRINT_UKGRID_URL"
ZONES = {"", "GB", "UK", "GBR"}


def _t(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def fetch(zone: str = "GB", kind: str = "forecast", start: datetime | None = None, end: datetime | None = None, *,
          base_url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> IntensitySeries:
    """Great Britain's national intensity: ``kind`` ``forecast`` (from ``start`` or now, 24 h) or ``history``."""
    if zone.upper() not in ZONES:
        raise WattprintError(f"{NAME}: zone {zone!r} is not served; only Great Britain's national series is read",
                             "use --carbon-source uk (or uk:GB)")
    base = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
    now = datetime.now(timezone.utc)
    a = (start or now).replace(second=0, microsecond=0)
    a -= timedelta(minutes=a.minute % 30)  # half-hour periods start on :00 and :30
    if kind == "forecast":
        url = f"{base}/intensity/{_t(a)}/fw24h"
    elif kind == "history":
        b = end or now
        if b - a > timedelta(days=14):
            raise WattprintError(f"{NAME}: history spans more than 14 days", "ask for at most 14 days at a time")
        url = f"{base}/intensity/{_t(a)}/{_t(b + timedelta(minutes=30))}"
    else:
        raise WattprintError(f"{NAME}: unknown kind {kind!r}", "use forecast or history")
    doc = get_json(NAME, url, timeout_s=timeout_s, ttl_s=900.0)
    rows = field_list(doc, "data", NAME)
    points, forecasts = [], 0
    for i, row in enumerate(rows):
        inten = field(row, "intensity", NAME)
        value = inten.get("actual") if (kind == "history" and isinstance(inten, dict)) else None
        if value is None:
            value = field(inten, "forecast", NAME)
            forecasts += 1
        if value is None:
            continue
        points.append((parse_time(field(row, "from", NAME), f"{NAME} point {i + 1}"), value))
    note = "NESO national carbon intensity (Great Britain)"
    if kind == "history" and forecasts:
        note += f"; {forecasts} of {len(rows)} half-hours had no actual value and use the forecast"
    identity = SeriesIdentity(
        source=NAME, region="GB", signal="average", scope="direct", origin=url, sha256=points_digest(points),
        fetched_at=now, kind="forecast" if kind == "forecast" else "history", note=note,
    )
    return make_series(points, identity, step_s=1800.0)
