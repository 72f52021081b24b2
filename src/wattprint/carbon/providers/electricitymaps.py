"""Electricity Maps API v3: ``carbon-intensity/latest|history|past-range|forecast`` (average intensity).

Auth: header ``auth-token`` with ``$ELECTRICITYMAPS_TOKEN``. Free tier: latest and the last
24 h (``history``); ``past-range`` and ``forecast`` need a paid plan. Each point is
``{"datetime": start of the hour (UTC), "carbonIntensity": g CO2eq/kWh, "emissionFactorType":
"lifecycle" | "direct"}``. Base URL: ``$WATTPRINT_ELECTRICITYMAPS_URL`` or ``base_url``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

from wattprint.carbon.providers.http import DEFAULT_TIMEOUT_S, field, field_list, get_json
from wattprint.carbon.series import IntensitySeries, SeriesIdentity, make_series, parse_time, points_digest
from wattprint.errors import WattprintError

NAME = "electricitymaps"
DEFAULT_URL = "https://api.electricitymaps.com"
TOKEN_ENV = "ELECTRICITYMAPS_TOKEN"
URL_ENV = "WATTPRINT_ELECTRICITYMAPS_URL"


def _token() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise WattprintError(f"{NAME}: no API token (${TOKEN_ENV} is not set)",
                             f"export {TOKEN_ENV}=... (free personal tier at electricitymaps.com); "
                             "the token is read from the environment only, never stored")
    return token


def fetch(zone: str, kind: str = "history", start: datetime | None = None, end: datetime | None = None, *,
          base_url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> IntensitySeries:
    """Hourly average intensity for ``zone`` (e.g. ``DE``, ``US-CAL-CISO``).

    ``kind``: ``history`` (the last 24 h; ``past-range`` when ``start`` is older), ``forecast``, ``latest``.
    """
    base = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
    headers = {"auth-token": _token()}
    hint = f"check ${TOKEN_ENV} and that your plan covers zone {zone!r} and this endpoint"
    now = datetime.now(timezone.utc)
    params: dict[str, Any] = {"zone": zone}
    if kind == "history" and start is not None and start < now - timedelta(hours=24):
        endpoint, key = "past-range", "data"
        params.update(start=start.isoformat(), end=(end or now).isoformat())
    elif kind in ("history", "forecast"):
        endpoint, key = kind, kind
    elif kind == "latest":
        endpoint, key = "latest", ""
    else:
        raise WattprintError(f"{NAME}: unknown kind {kind!r}", "use history, forecast or latest")
    url = f"{base}/v3/carbon-intensity/{endpoint}"
    ttl = 900.0 if kind != "history" else 3600.0
    doc = get_json(NAME, url, params=params, headers=headers, timeout_s=timeout_s, ttl_s=ttl, token_hint=hint)
    if kind != "latest" and isinstance(doc, dict) and key not in doc:
        key = next((k for k in ("data", "history", "forecast") if k in doc), key)  # past-range answers "data"
    rows = [doc] if kind == "latest" else field_list(doc, key, NAME)
    points, scopes = [], set()
    for i, row in enumerate(rows):
        where = f"{NAME} point {i + 1}"
        value = field(row, "carbonIntensity", NAME)
        if value is None:  # a missing hour: the series check below refuses the resulting gap
            continue
        points.append((parse_time(field(row, "datetime", NAME), where), value))
        scopes.add(str(row.get("emissionFactorType", "")) if isinstance(row, dict) else "")
    named = {"lifecycle": "life-cycle", "direct": "direct"}
    scope = ",".join(sorted(named.get(x, x) for x in scopes))
    identity = SeriesIdentity(
        source=NAME, region=zone, signal="average", scope=scope, origin=url, sha256=points_digest(points),
        fetched_at=now, kind="latest" if kind == "latest" else ("forecast" if kind == "forecast" else "history"),
        note="Electricity Maps consumption-based grid intensity",
    )
    return make_series(points, identity, step_s=3600.0)
