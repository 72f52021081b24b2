"""``wattprint when``, ``project --profile``, ``run --intensity-series/--carbon-source`` and
``report --intensity-series`` from the command line, on series written here."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from wattprint.cli.main import main
from wattprint.results.store import ResultStore

FAKE = ["--task", "fake-task", "--model", "arch:fake-tiny", "-n", "3", "--repeats", "2", "--warmup", "0",
        "--idle-seconds", "0", "--meter", "estimate"]
DAY = [400] * 6 + [100] * 6 + [50] * 6 + [300] * 6  # cleanest 3 h in a day: 12:00


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, " ".join(out.split()), " ".join(err.split())  # rich wraps at the terminal width


@pytest.fixture()
def day_csv(tmp_path):
    p = tmp_path / "day.csv"
    p.write_text("hour,g_per_kwh\n" + "".join(f"{h},{v}\n" for h, v in enumerate(DAY)))
    return p


def test_when_with_a_profile_finds_the_known_start(capsys, day_csv):
    code = main(["when", "--energy", "12kWh", "--duration", "3h", "--within", "24h",
                 "--profile", str(day_csv), "--now", "2026-03-01T01:00Z", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    plan = json.loads(out)
    assert plan["best"]["start"].startswith("2026-03-01T12:00")
    assert plan["best"]["g_co2e"] == pytest.approx(12 * 50)
    assert plan["now"]["g_co2e"] == pytest.approx(12 * 400)
    assert plan["saving_g"] == pytest.approx(12 * 350)
    code, out, _ = cli(capsys, "when", "--energy", "12", "--duration", "3h", "--profile", str(day_csv),
                       "--now", "2026-03-01T01:00Z")
    assert code == 0 and "best start 2026-03-01 12:00 UTC" in out and "88%" in out and "typical day" in out
    code, out, _ = cli(capsys, "when", "--energy", "12", "--duration", "3h", "--profile", str(day_csv),
                       "--now", "2026-03-01T12:00Z")  # already in the cleanest hours: no '0 mg (0%)' saving
    assert code == 0 and "starting now is already the cleanest start: nothing to save" in out, out


def test_when_bad_input_is_one_line(capsys, day_csv):
    code, _, err = cli(capsys, "when", "--energy", "12kWh", "--duration", "30h", "--within", "24h",
                       "--profile", str(day_csv))
    assert code != 0 and "longer than the horizon" in err and "Traceback" not in err
    code, _, err = cli(capsys, "when", "--energy", "12kWh", "--duration", "3h")
    assert code != 0 and "exactly one of --series, --profile or --carbon-source" in err
    for within in ("1e300h", "400d"):  # no overflow, no year-long expansion of a profile: the limit is said
        code, _, err = cli(capsys, "when", "--energy", "12kWh", "--duration", "3h", "--within", within,
                           "--profile", str(day_csv))
        assert code == 2 and "beyond the limit of 366 days" in err
    code, _, err = cli(capsys, "when", "--energy", "1e300kWh", "--duration", "3h", "--profile", str(day_csv))
    assert code == 2 and "beyond the limit of 1000 GWh" in err  # not a plan in 1.5e+296 t


def test_project_with_a_profile_uses_each_hours_intensity(capsys, day_csv):
    code = main(["project", "--energy", "1Wh", "--rate", "24k/day", "--profile", str(day_csv), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    mean = sum(DAY) / 24
    assert doc["factor"]["intensity_g_per_kwh"] == pytest.approx(mean)
    assert doc["daily"]["g_co2e"] == pytest.approx(24 * mean)  # 24 kWh a day
    assert [s["g_co2e_per_day"] for s in doc["profile"]["slots"]] == pytest.approx([v for v in DAY])
    code, out, _ = cli(capsys, "project", "--energy", "1Wh", "--rate", "24k/day", "--profile", str(day_csv))
    assert code == 0 and "Intensity of each hour" in out and "cleanest 12:00" in out


@pytest.fixture()
def env(fake_worker_cwd):
    return fake_worker_cwd


def hours_around_now(tmp_path, values, name="live.csv"):
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    p = tmp_path / name
    p.write_text("timestamp,g_per_kwh\n" + "".join(
        f"{(start + timedelta(hours=i)).isoformat()},{v}\n" for i, v in enumerate(values)))
    return p


@pytest.mark.slow
def test_run_with_a_series_stores_timed_carbon_and_report_recomputes_it(env, capsys):
    series = hours_around_now(env, [200, 200, 200, 200])
    code, out, err = cli(capsys, "run", *FAKE, "--intensity-series", str(series))
    assert code == 0, err
    assert "time-resolved" in out and "200 g/kWh on average" in out
    with ResultStore(env / "wattprint.db") as store:
        [r] = store.list()
    tc = r.carbon_timed
    assert tc is not None and r.carbon_fallback is None
    assert tc.mean_intensity_g_per_kwh == pytest.approx(200.0)
    assert tc.series.origin == str(series.resolve()) and len(tc.series.sha256) == 64
    wh = sum(x.energy.total_joules for x in r.repeats) / 3600
    assert tc.g_co2e == pytest.approx(wh / 1000 * 200)
    assert tc.average_intensity_g_per_kwh == 475.0  # the flat WORLD figure kept side by side
    # recompute later with another series: a flat 100 g/kWh halves the grams
    other = hours_around_now(env, [100, 100, 100, 100], "other.csv")
    code = main(["report", "--intensity-series", str(other), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    [row] = json.loads(out)["time_resolved"]
    assert row["carbon_timed"]["g_co2e"] == pytest.approx(tc.g_co2e / 2)
    code, out, _ = cli(capsys, "report", "--intensity-series", str(other))
    assert code == 0 and "Carbon with the intensity each run met" in out
    # a series that does not cover the run: the flat factor, said so
    old = env / "old.csv"
    old.write_text("timestamp,g_per_kwh\n2020-01-01T00:00Z,100\n2020-01-01T01:00Z,100\n")
    code, out, _ = cli(capsys, "report", "--intensity-series", str(old))
    assert code == 0 and "time-resolved carbon not computed" in out and "flat factor" in out


@pytest.mark.slow
def test_run_with_a_failing_provider_falls_back_loudly(env, capsys, monkeypatch):
    monkeypatch.setenv("WATTPRINT_UKGRID_URL", "http://127.0.0.1:9")  # nothing listens there
    code, out, err = cli(capsys, "run", *FAKE, "--carbon-source", "uk", "--region", "GB")
    assert code == 0, err
    assert "time-resolved carbon not computed" in out and "cannot reach 127.0.0.1" in out
    with ResultStore(env / "wattprint.db") as store:
        [r] = store.list()
    assert r.carbon_timed is None and "flat factor" in r.carbon_fallback and r.carbon.region == "GB"


def test_run_rejects_a_bad_series_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,g_per_kwh\n2026-03-01T00:00Z,100\n2026-03-01T00:00Z,120\n")
    code, _, err = cli(capsys, "run", *FAKE, "--intensity-series", str(bad))
    assert code != 0 and "duplicate timestamp" in err
    code, _, err = cli(capsys, "run", *FAKE, "--carbon-source", "nowhere:X")
    assert code != 0 and "unknown carbon source" in err
    assert not (tmp_path / "wattprint.db").exists()


def test_html_report_plots_the_intensity_a_long_run_met(tmp_path):
    from wattprint.carbon import resolve_factor
    from wattprint.carbon.series import read_series_file
    from wattprint.carbon.timed import time_resolved
    from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
    from wattprint.report.html import write_html_report
    from wattprint.results.schema import RepeatResult, RunConfig, RunResult, Summary

    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    p = tmp_path / "s.csv"
    p.write_text("timestamp,g_per_kwh\n" + "".join(f"{(t0 + timedelta(hours=i)).isoformat()},{v}\n"
                                                     for i, v in enumerate([100, 300, 500])))
    prov = Provenance(source="rapl", method=Method.COUNTER, uncertainty_low=-0.05, uncertainty_high=0.05)
    reps = [RepeatResult(index=i, inferences=1000, energy=EnergyReport(
        name=f"repeat {i}", start_unix_s=(t0 + timedelta(hours=i)).timestamp(), duration_s=3600,
        components=[ComponentEnergy(component="cpu:0", joules=3600.0, provenance=prov)])) for i in range(3)]
    flat = resolve_factor()
    r = RunResult(config=RunConfig(task="text-classification", model="<b>evil</b>", n=1000, repeats=3),
                  repeats=reps, summary=Summary.from_repeats(reps), carbon=flat)
    r.carbon_timed = time_resolved([(x.energy, x.inferences) for x in reps], read_series_file(p), average=flat)
    assert r.carbon_timed.g_co2e_per_1k == pytest.approx((100 + 300 + 500) / 3 / 1000)  # 1 Wh per 1,000 each
    out = write_html_report([r], tmp_path / "r.html")
    page = out.read_text()
    assert "Carbon with the intensity of each run&#x27;s hours" in page or "intensity of each run" in page
    assert '"plot-timed"' in page and "<b>evil</b>" not in page


def test_when_with_a_live_forecast_from_a_fake_uk_server(capsys, tmp_path, monkeypatch):
    pytest.importorskip("httpx")
    from fakes_http import FakeServer

    monkeypatch.setenv("WATTPRINT_CACHE", str(tmp_path / "cache"))
    now = datetime(2026, 3, 1, 10, 10, tzinfo=timezone.utc)
    start = now.replace(minute=0)
    vals = [250] * 10 + [60] * 6 + [250] * 32  # 48 half-hours; 15:00-18:00 at 60
    server = FakeServer()
    try:
        server.route(f"/intensity/{start:%Y-%m-%dT%H:%MZ}/fw24h", {"data": [
            {"from": f"{start + timedelta(minutes=30 * i):%Y-%m-%dT%H:%MZ}",
             "to": f"{start + timedelta(minutes=30 * i + 30):%Y-%m-%dT%H:%MZ}",
             "intensity": {"forecast": v, "actual": None, "index": "low"}} for i, v in enumerate(vals)]})
        monkeypatch.setenv("WATTPRINT_UKGRID_URL", server.url)
        code = main(["when", "--energy", "3kWh", "--duration", "3h", "--carbon-source", "uk",
                     "--now", now.isoformat(), "--json"])
        out, err = capsys.readouterr()
    finally:
        server.close()
    assert code == 0, err
    plan = json.loads(out)
    assert plan["best"]["start"].startswith("2026-03-01T15:00") and plan["best"]["g_co2e"] == pytest.approx(3 * 60)
    assert plan["series"]["source"] == "uk-carbon-intensity" and plan["series"]["kind"] == "forecast"
