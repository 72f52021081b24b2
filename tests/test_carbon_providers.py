"""The live intensity providers against a fake HTTP server on loopback: answers, errors, cache, secrets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("httpx")  # the 'live' extra; CI installs it through 'all'

from fakes_http import FakeServer  # noqa: E402
from wattprint.carbon.providers import electricitymaps, fetch_series, parse_source, ukgrid, watttime  # noqa: E402  # noqa: E402
from wattprint.carbon.providers.http import cache_dir  # noqa: E402
from wattprint.errors import WattprintError  # noqa: E402

NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
TOKEN = "sekrit-token-123"


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture()
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("WATTPRINT_CACHE", str(tmp_path / "cache"))
    s = FakeServer()
    yield s
    s.close()


def em_history(values):
    return {"zone": "DE", "history": [
        {"zone": "DE", "carbonIntensity": v, "datetime": iso(NOW - timedelta(hours=len(values) - 1 - i)),
         "emissionFactorType": "lifecycle", "isEstimated": False} for i, v in enumerate(values)]}


def test_electricitymaps_history_sends_the_token_header_and_caches(server, monkeypatch):
    monkeypatch.setenv("ELECTRICITYMAPS_TOKEN", TOKEN)
    server.route("/v3/carbon-intensity/history", em_history([300, 250, 200]))
    s = fetch_series("electricitymaps:DE", "history", base_url=server.url)
    assert s.values == [300, 250, 200] and s.step_s == 3600
    assert s.identity.source == "electricitymaps" and s.identity.region == "DE" and s.identity.scope == "life-cycle"
    assert s.identity.fetched_at is not None and TOKEN not in s.identity.model_dump_json()
    [req] = server.requests
    assert req["headers"]["auth-token"] == TOKEN and req["query"]["zone"] == ["DE"]
    fetch_series("electricitymaps:DE", "history", base_url=server.url)
    assert len(server.requests) == 1  # second answer from the disk cache
    cached = "".join(p.read_text() for p in cache_dir().glob("*.json"))
    assert "carbonIntensity" in cached and TOKEN not in cached


def test_electricitymaps_forecast_and_base_url_from_env(server, monkeypatch):
    monkeypatch.setenv("ELECTRICITYMAPS_TOKEN", TOKEN)
    monkeypatch.setenv("WATTPRINT_ELECTRICITYMAPS_URL", server.url)
    server.route("/v3/carbon-intensity/forecast", {"zone": "FR", "forecast": [
        {"carbonIntensity": 40 + i, "datetime": iso(NOW + timedelta(hours=i))} for i in range(24)]})
    s = fetch_series("electricitymaps", "forecast", default_zone="FR")
    assert s.identity.kind == "forecast" and len(s.values) == 24 and s.values[3] == 43


def test_missing_token_is_a_one_line_error_without_network(server, monkeypatch):
    monkeypatch.delenv("ELECTRICITYMAPS_TOKEN", raising=False)
    with pytest.raises(WattprintError, match=r"no API token \(\$ELECTRICITYMAPS_TOKEN"):
        electricitymaps.fetch("DE", base_url=server.url)
    monkeypatch.delenv("WATTTIME_PASSWORD", raising=False)
    with pytest.raises(WattprintError, match="no credentials"):
        watttime.fetch("CAISO_NORTH", base_url=server.url)
    assert server.requests == []


@pytest.mark.parametrize("status, body, headers, message", [
    (401, {"error": "bad token"}, {}, "access refused by 127.0.0.1 (HTTP 401)"),
    (429, {"error": "slow down"}, {"Retry-After": "30"},
     "rate limit reached at 127.0.0.1 (HTTP 429) (retry after 30 s)"),
    (500, "oops", {}, "answered HTTP 500"),
    (200, "{not json", {}, "malformed JSON"),
    (200, {"zone": "DE"}, {}, "unexpected answer (no 'history' field)"),
    (200, {"history": [{"carbonIntensity": 9000, "datetime": "2026-03-01T00:00:00Z"}]}, {}, "outside 0-2000"),
])
def test_provider_errors_are_one_line_and_never_show_the_token(server, monkeypatch, status, body, headers, message):
    monkeypatch.setenv("ELECTRICITYMAPS_TOKEN", TOKEN)
    server.route("/v3/carbon-intensity/history", body, status=status, headers=headers)
    with pytest.raises(WattprintError) as e:
        electricitymaps.fetch("DE", base_url=server.url)
    assert message in e.value.message
    assert TOKEN not in str(e.value) and "\n" not in e.value.message


def test_timeout_is_an_error_not_a_hang(server, monkeypatch):
    monkeypatch.setenv("ELECTRICITYMAPS_TOKEN", TOKEN)
    server.route("/v3/carbon-intensity/history", em_history([1, 2]), delay_s=2.0)
    with pytest.raises(WattprintError, match=r"no answer from 127.0.0.1 within 0.3 s"):
        electricitymaps.fetch("DE", base_url=server.url, timeout_s=0.3)


def test_unreachable_host(monkeypatch):
    monkeypatch.setenv("ELECTRICITYMAPS_TOKEN", TOKEN)
    with pytest.raises(WattprintError, match="cannot reach 127.0.0.1"):
        electricitymaps.fetch("DE", base_url="http://127.0.0.1:9", timeout_s=1.0)


def test_watttime_logs_in_then_reads_marginal_forecast_in_g_per_kwh(server, monkeypatch):
    monkeypatch.setenv("WATTTIME_USER", "alice")
    monkeypatch.setenv("WATTTIME_PASSWORD", "pw-123")
    watttime._TOKENS.clear()
    server.route("/login", {"token": TOKEN})
    server.route("/v3/forecast", {"meta": {"units": "lbs_co2_per_mwh", "region": "CAISO_NORTH"}, "data": [
        {"point_time": iso(NOW + timedelta(minutes=5 * i)), "value": 1000.0} for i in range(12)]})
    s = fetch_series("watttime:CAISO_NORTH", "forecast", base_url=server.url)
    assert s.identity.signal == "marginal" and s.step_s == 300
    assert s.values[0] == pytest.approx(453.59237)  # 1000 lbs/MWh
    login, data = server.requests
    assert login["path"] == "/login" and login["headers"]["authorization"].startswith("Basic ")
    assert data["headers"]["authorization"] == f"Bearer {TOKEN}" and data["query"]["signal_type"] == ["co2_moer"]
    assert TOKEN not in s.identity.model_dump_json() and "pw-123" not in s.identity.model_dump_json()


def test_watttime_refused_login(server, monkeypatch):
    monkeypatch.setenv("WATTTIME_USER", "alice")
    monkeypatch.setenv("WATTTIME_PASSWORD", "pw-123")
    watttime._TOKENS.clear()
    server.route("/login", {"error": "no"}, status=403)
    with pytest.raises(WattprintError) as e:
        watttime.fetch("CAISO_NORTH", base_url=server.url)
    assert "HTTP 403" in e.value.message and "WATTTIME_PASSWORD" in e.value.hint and "pw-123" not in str(e.value)


def uk_rows(start, actuals, forecasts):
    return {"data": [{"from": (start + timedelta(minutes=30 * i)).strftime("%Y-%m-%dT%H:%MZ"),
                      "to": (start + timedelta(minutes=30 * (i + 1))).strftime("%Y-%m-%dT%H:%MZ"),
                      "intensity": {"forecast": f, "actual": a, "index": "moderate"}}
                     for i, (a, f) in enumerate(zip(actuals, forecasts, strict=False))]}


def test_uk_history_uses_actual_and_states_forecast_fill_ins(server):
    start = NOW - timedelta(hours=2)
    end = NOW - timedelta(hours=1)
    path = f"/intensity/{start:%Y-%m-%dT%H:%MZ}/{end + timedelta(minutes=30):%Y-%m-%dT%H:%MZ}"
    server.route(path, uk_rows(start, [200, 210, None], [190, 205, 220]))
    s = ukgrid.fetch("GB", "history", start, end, base_url=server.url)
    assert s.values == [200, 210, 220] and s.step_s == 1800
    assert "1 of 3 half-hours had no actual value" in s.identity.note


def test_uk_forecast_and_zone_check(server):
    path = f"/intensity/{NOW:%Y-%m-%dT%H:%MZ}/fw24h"
    server.route(path, uk_rows(NOW, [None] * 48, list(range(100, 148))))
    s = fetch_series("uk", "forecast", NOW, base_url=server.url)
    assert s.identity.region == "GB" and s.values[:2] == [100, 101] and s.end == NOW + timedelta(hours=24)
    with pytest.raises(WattprintError, match="only Great Britain"):
        ukgrid.fetch("FR", base_url=server.url)


def test_parse_source():
    assert parse_source("uk") == ("ukgrid", "GB")
    assert parse_source("electricitymaps", default_zone="DE") == ("electricitymaps", "DE")
    with pytest.raises(WattprintError, match="unknown carbon source"):
        parse_source("gridmaps:DE")
    with pytest.raises(WattprintError, match="needs a zone"):
        parse_source("watttime")


def test_an_answer_whose_points_are_not_a_list_is_a_one_line_error(server, monkeypatch):
    monkeypatch.setenv("ELECTRICITYMAPS_TOKEN", TOKEN)
    server.route("/v3/carbon-intensity/history", {"zone": "DE", "history": {"carbonIntensity": 300}})
    with pytest.raises(WattprintError, match=r"electricitymaps: unexpected answer \('history' is not a list\)"):
        electricitymaps.fetch("DE", base_url=server.url)
    server.route(f"/intensity/{NOW:%Y-%m-%dT%H:%MZ}/fw24h", {"data": "none today"})
    with pytest.raises(WattprintError, match=r"uk-carbon-intensity: unexpected answer \('data' is not a list\)"):
        ukgrid.fetch("GB", "forecast", NOW, base_url=server.url)
