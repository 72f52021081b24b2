"""WattTime API v3: marginal emissions (``co2_moer``), forecast and historical.

Login: ``GET /login`` with HTTP basic auth (``$WATTTIME_USER``, ``$WATTTIME_PASSWORD``) returns a
bearer token valid for 30 minutes, kept in memory only. Data: ``GET /v3/forecast`` and
``GET /v3/historical`` with ``region`` (e.g. ``CAISO_NORTH``) and ``signal_type=co2_moer``;
points ``{"point_time", "value"}`` in ``meta.units`` ``lbs_co2_per_mwh`` (x 0.45359237 = g/kWh),
5-minute steps. ``/v3/signal-index`` is a 0-100 percentile, not g/kWh, so it cannot be
integrated into grams and is not used. A marginal signal answers "what does extra load
emit", not the grid's average: results label it ``marginal``.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from wattprint.carbon.providers.http import DEFAULT_TIMEOUT_S, field, field_list, get_json
from wattprint.carbon.series import IntensitySeries, SeriesIdentity, make_series, parse_time, points_digest
from wattprint.errors import WattprintError

NAME = "watttime"
DEFAULT_URL = "https://api.watttime.org"
USER_ENV, PASSWORD_ENV = "WATTTIME_USER", "WATTTIME_PASSWORD"
URL_ENV = "WATTPRINT_WATTTIME_URL"
#: g/kWh per lbs/MWh (exact pound)
G_PER_KWH_PER_LBS_PER_MWH = 0.45359237
_TOKENS: dict[str, tuple[str, float]] = {}  # base URL -> (token, expiry); memory only


def _login(base: str, timeout_s: float) -> str:
    hit = _TOKENS.get(base)
    if hit and hit[1] > time.time():
        return hit[0]
    user, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV, "")
    if not user or not password:
        raise WattprintError(f"{NAME}: no credentials (${USER_ENV} and ${PASSWORD_ENV} must be set)",
                             "register at watttime.org, then export both; they are read from the environment only")
    doc = get_json(NAME, f"{base}/login", auth=(user, password), timeout_s=timeout_s,
                   token_hint=f"check ${USER_ENV} and ${PASSWORD_ENV}")
    token = field(doc, "token", NAME)
    if not isinstance(token, str) or not token:
        raise WattprintError(f"{NAME}: login answered without a token", "check your account")
    _TOKENS[base] = (token, time.time() + 25 * 60)
    return token


def fetch(region: str, kind: str = "forecast", start: datetime | None = None, end: datetime | None = None, *,
          base_url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> IntensitySeries:
    """Marginal intensity (g CO2/kWh) for ``region``: ``kind`` ``forecast`` or ``history`` (``start``-``end``)."""
    base = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
    token = _login(base, timeout_s)
    now = datetime.now(timezone.utc)
    params: dict[str, Any] = {"region": region, "signal_type": "co2_moer"}
    if kind == "forecast":
        url = f"{base}/v3/forecast"
    elif kind == "history":
        url = f"{base}/v3/historical"
        params.update(start=(start or now - timedelta(hours=24)).isoformat(), end=(end or now).isoformat())
    else:
        raise WattprintError(f"{NAME}: unknown kind {kind!r}", "use forecast or history")
    doc = get_json(NAME, url, params=params, headers={"Authorization": f"Bearer {token}"}, timeout_s=timeout_s,
                   ttl_s=300.0 if kind == "forecast" else 3600.0,
                   token_hint=f"check ${USER_ENV}/${PASSWORD_ENV} and that your plan covers region {region!r}")
    meta = doc.get("meta", {}) if isinstance(doc, dict) else {}
    units = str(meta.get("units", "lbs_co2_per_mwh")) if isinstance(meta, dict) else "lbs_co2_per_mwh"
    if units != "lbs_co2_per_mwh":
        raise WattprintError(f"{NAME}: unknown units {units[:40]!r}", "wattprint reads lbs_co2_per_mwh (co2_moer)")
    rows = field_list(doc, "data", NAME)
    points = []
    for i, row in enumerate(rows):
        value = field(row, "value", NAME)
        try:
            g = float(value) * G_PER_KWH_PER_LBS_PER_MWH
        except (TypeError, ValueError):
            raise WattprintError(f"{NAME} point {i + 1}: value {str(value)[:30]!r} is not a number", "") from None
        points.append((parse_time(field(row, "point_time", NAME), f"{NAME} point {i + 1}"), g))
    identity = SeriesIdentity(
        source=NAME, region=region, signal="marginal", scope="direct", origin=url, sha256=points_digest(points),
        fetched_at=now, kind="forecast" if kind == "forecast" else "history",
        note="WattTime marginal operating emissions rate (co2_moer), converted from lbs/MWh",
    )
    return make_series(points, identity)
