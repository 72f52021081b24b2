"""Intensity series (files written here), time-resolved carbon of windows, and the planner, on known answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from wattprint.carbon.factor import CarbonInfo
from wattprint.carbon.series import SeriesIdentity, make_series, read_profile_file, read_series_file
from wattprint.carbon.timed import attribute, best_start, profile_factor, profile_over, time_resolved
from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
from wattprint.errors import WattprintError

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
PROV = Provenance(source="rapl", method=Method.COUNTER, uncertainty_low=-0.05, uncertainty_high=0.05)
FLAT = CarbonInfo(intensity_g_per_kwh=475.0, region="WORLD", source="test")


def hourly_csv(tmp_path, values, name="s.csv", start=T0):
    lines = ["timestamp,g_per_kwh"] + [f"{(start + timedelta(hours=i)).isoformat()},{v}" for i, v in enumerate(values)]
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def window(start: datetime, seconds: float, joules: float, name: str = "repeat") -> EnergyReport:
    return EnergyReport(name=name, start_unix_s=start.timestamp(), duration_s=seconds,
                        components=[ComponentEnergy(component="cpu:0", joules=joules, provenance=PROV)])


def test_csv_series_step_and_identity(tmp_path):
    p = hourly_csv(tmp_path, [100, 200, 300])
    s = read_series_file(p, region="FR")
    assert s.step_s == 3600 and s.end == T0 + timedelta(hours=3)
    assert s.at(T0 + timedelta(minutes=59)) == 100 and s.at(T0 + timedelta(hours=2, minutes=59)) == 300
    # 30 min at 100 then 30 min at 200
    assert s.mean(T0 + timedelta(minutes=30), T0 + timedelta(minutes=90)) == pytest.approx(150.0)
    assert s.identity.region == "FR" and len(s.identity.sha256) == 64 and s.identity.origin == str(p)


def test_json_series_linear_interpolation(tmp_path):
    p = tmp_path / "s.json"
    pts = [{"datetime": (T0 + timedelta(hours=i)).isoformat().replace("+00:00", "Z"), "intensity": v}
           for i, v in enumerate([100, 200, 300])]
    p.write_text(json.dumps({"region": "DE", "scope": "life-cycle", "points": pts}))
    s = read_series_file(p, interpolation="linear")
    assert s.identity.region == "DE" and s.identity.scope == "life-cycle"
    assert s.at(T0 + timedelta(minutes=30)) == pytest.approx(150.0)
    # linear from 100 to 300 over two hours: mean 200; step would give 150
    assert s.mean(T0, T0 + timedelta(hours=2)) == pytest.approx(200.0)


@pytest.mark.parametrize("rows, message", [
    (["2026-03-01T00:00Z,100", "2026-03-01T02:00Z,100", "2026-03-01T01:00Z,100"], "not in order"),
    (["2026-03-01T00:00Z,100", "2026-03-01T00:00Z,120"], "duplicate timestamp"),
    (["2026-03-01T00:00Z,100", "2026-03-01T01:00Z,-5"], "outside 0-2000"),
    (["2026-03-01T00:00Z,100", "2026-03-01T01:00Z,2500"], "outside 0-2000"),
    (["2026-03-01T00:00Z,100", "2026-03-01T01:00Z,nan"], "outside 0-2000"),
    (["2026-03-01T00:00Z,100", "2026-03-01T01:00Z,abc"], "not a number"),
    (["2026-03-01T00:00Z,100", "2026-03-01T01:00Z,100", "2026-03-01T05:00Z,100"], "gap of 4 h"),
    (["2026-03-01T00:00,100"], "no time zone"),
    ([], "no points"),
])
def test_bad_series_is_a_one_line_error(tmp_path, rows, message):
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(["timestamp,g_per_kwh", *rows]) + "\n")
    with pytest.raises(WattprintError) as e:
        read_series_file(p)
    assert message in e.value.message and "\n" not in e.value.message


def test_malformed_files(tmp_path):
    (tmp_path / "a.json").write_text('{"points": [1, 2')
    (tmp_path / "b.csv").write_text("when,what\n2026-03-01T00:00Z,1\n")
    (tmp_path / "day.csv").write_text("hour,g_per_kwh\n0,100\n")
    for name, msg in (("a.json", "malformed JSON"), ("b.csv", "lacks a time or an intensity column"),
                      ("missing.csv", "not found"), ("day.csv", "is a typical day")):
        with pytest.raises(WattprintError, match=msg):
            read_series_file(tmp_path / name)
    for stamp in ("9999-12-31T23:30Z", "253402297000", "0001-01-01T00:00+01:00"):  # no datetime overflow later
        (tmp_path / "c.csv").write_text(f"timestamp,g_per_kwh\n{stamp},100\n")
        with pytest.raises(WattprintError, match="is outside the years 1970-2200"):
            read_series_file(tmp_path / "c.csv")


def test_windows_integrate_against_the_hours_they_ran(tmp_path):
    s = read_series_file(hourly_csv(tmp_path, [100, 400, 400]))
    # one window from 00:30 to 01:30, 3600 J = 1 Wh: half at 100, half at 400 -> 250 g/kWh
    w1 = window(T0 + timedelta(minutes=30), 3600, 3600.0)
    # one window inside the second hour: 2 Wh at 400
    w2 = window(T0 + timedelta(hours=1, minutes=40), 600, 7200.0)
    tc = time_resolved([(w1, 10), (w2, 10)], s, pue=1.0, average=FLAT)
    assert [w.mean_intensity_g_per_kwh for w in tc.windows] == pytest.approx([250.0, 400.0])
    assert tc.g_co2e == pytest.approx(1 / 1000 * 250 + 2 / 1000 * 400)
    assert tc.mean_intensity_g_per_kwh == pytest.approx(tc.g_co2e / (3 / 1000))  # energy-weighted
    # per 1,000 inferences: mean of (0.25 g / 10, 0.8 g / 10) x 1000
    assert tc.g_co2e_per_1k == pytest.approx((25.0 + 80.0) / 2)
    assert tc.average_g_co2e_per_1k == pytest.approx(FLAT.grams((100 + 200) / 2))
    assert tc.series.sha256 == s.identity.sha256 and [p.g_per_kwh for p in tc.trace] == [100, 400]


def test_pue_multiplies_timed_grams(tmp_path):
    s = read_series_file(hourly_csv(tmp_path, [200, 200]))
    w = window(T0, 60, 3600.0)
    assert time_resolved([(w, 1)], s, pue=1.5).g_co2e == pytest.approx(1 / 1000 * 200 * 1.5)


def test_uncovered_run_falls_back_to_the_flat_factor_loudly(tmp_path):
    p = hourly_csv(tmp_path, [100, 100])
    late = window(T0 + timedelta(days=3), 60, 3600.0)
    timed, reason = attribute([(late, 1)], FLAT, series_file=str(p))
    assert timed is None
    assert "covers" in reason and "flat factor 475 g/kWh (region WORLD)" in reason
    timed, reason = attribute([(late, 1)], FLAT, series_file=str(tmp_path / "nope.csv"))
    assert timed is None and "not found" in reason


def test_planner_finds_the_known_cleanest_start():
    vals = [300] * 6 + [150, 50, 50, 100] + [300] * 14  # cleanest 3 h: 07:00-10:00 (50, 50, 100)
    s = make_series([(T0 + timedelta(hours=i), v) for i, v in enumerate(vals)], SeriesIdentity(source="t", region="x"))
    plan = best_start(s, energy_wh=12_000, duration_s=3 * 3600, within_s=24 * 3600, now=T0)
    assert plan.best.start == T0 + timedelta(hours=7)
    assert plan.best.g_co2e == pytest.approx(12 * (50 + 50 + 100) / 3)
    assert plan.now.g_co2e == pytest.approx(12 * 300)
    assert plan.saving_g == pytest.approx(12 * 300 - 12 * 200 / 3)
    assert plan.note == ""


def test_planner_states_a_short_forecast_and_refuses_an_uncovered_now():
    s = make_series([(T0 + timedelta(hours=i), v) for i, v in enumerate([300, 100, 300, 300])],
                    SeriesIdentity(source="t", region="x"))
    plan = best_start(s, 1000, 3600, 24 * 3600, now=T0)
    assert plan.best.start == T0 + timedelta(hours=1) and "later starts were not considered" in plan.note
    with pytest.raises(WattprintError, match="does not cover"):
        best_start(s, 1000, 3600, 24 * 3600, now=T0 - timedelta(hours=2))
    with pytest.raises(WattprintError, match="longer than the horizon"):
        best_start(s, 1000, 5 * 3600, 3600, now=T0)


def test_profile_repeats_daily_and_projects_hour_by_hour(tmp_path):
    p = tmp_path / "day.csv"
    vals = [400] * 12 + [100] * 12
    p.write_text("hour,g_per_kwh\n" + "".join(f"{h:02d}:00,{v}\n" for h, v in enumerate(vals)))
    day = read_profile_file(p, region="X")
    assert day.identity.kind == "profile"
    proj = profile_factor(day, kwh_per_day=24.0)
    assert proj.factor.intensity_g_per_kwh == pytest.approx(250.0)
    assert sum(sl.g_co2e_per_day for sl in proj.slots) == pytest.approx(24 * 250.0)
    assert proj.cleanest.g_per_kwh == 100 and proj.dirtiest.g_per_kwh == 400
    now = T0 + timedelta(hours=20)  # 20:00: the clean half runs until midnight, then dirty until noon
    s = profile_over(day, now, days=2)
    plan = best_start(s, 1000, 4 * 3600, 24 * 3600, now=now)
    assert plan.best.start == now and plan.saving_g == 0
    plan = best_start(s, 1000, 4 * 3600, 24 * 3600, now=T0 + timedelta(hours=1))
    assert plan.best.start == T0 + timedelta(hours=12)


def test_profile_must_cover_the_day(tmp_path):
    p = tmp_path / "half.csv"
    p.write_text("hour,g_per_kwh\n" + "".join(f"{h},{100}\n" for h in range(12)))
    with pytest.raises(WattprintError, match=r"covers hours 0 to 12, not the whole day \(0 to 24\)"):
        read_profile_file(p)
    p.write_text("hour,g_per_kwh\n" + "".join(f"{h},{100}\n" for h in range(25)))
    with pytest.raises(WattprintError, match=r"line 26: hour '24' is outside 0-23"):
        read_profile_file(p)
    p.write_text("hour,g_per_kwh\n" + "".join(f"{h},100\n" for h in range(24)) + "5,200\n")
    with pytest.raises(WattprintError, match=r"line 26: hour 05:00 comes after 23:00"):  # not '2000-01-01T05:00'
        read_profile_file(p)
    p.write_text("hour,g_per_kwh\n0,100\n1,100\n1,200\n")
    with pytest.raises(WattprintError, match=r"line 4: hour 01:00 repeats"):
        read_profile_file(p)
    p.write_text("hour,g_per_kwh\n00:00,100\n12:99,200\n")  # minute 99 is not 13:39
    with pytest.raises(WattprintError, match=r"line 3: cannot read hour '12:99'"):
        read_profile_file(p)
    with pytest.raises(WattprintError, match="is not a regular file"):  # a folder is there, not missing
        read_profile_file(tmp_path)
    with pytest.raises(WattprintError, match="is not a regular file"):
        read_series_file(tmp_path)


def test_series_label_reads_as_words_without_a_region(tmp_path):
    p = tmp_path / "grid.csv"
    p.write_text("timestamp,g_per_kwh\n2026-03-01T00:00Z,100\n2026-03-01T01:00Z,200\n")
    assert read_series_file(p).identity.label().startswith("file (region not given) (average, step, sha256 ")
    assert read_series_file(p, region="FR").identity.label().startswith("file FR (average, step")


def test_export_carries_the_time_resolved_carbon(tmp_path):
    from fakes_analysis import make_run
    from wattprint.carbon import resolve_factor
    from wattprint.carbon.timed import time_resolved
    from wattprint.results.export import COLUMNS, flatten

    p = tmp_path / "grid.csv"
    p.write_text("timestamp,g_per_kwh\n" + "".join(f"{(T0 + timedelta(hours=i)).isoformat()},{v}\n"
                                                  for i, v in enumerate([100, 300, 500])))
    r = make_run("text-classification", "m", [1.0, 1.0, 1.0])
    for i, rep in enumerate(r.repeats):
        rep.energy.start_unix_s = (T0 + timedelta(hours=i)).timestamp()
    r.carbon_timed = time_resolved([(x.energy, x.inferences) for x in r.repeats], read_series_file(p),
                                   average=resolve_factor())
    row = flatten(r)
    assert set(row) <= set(COLUMNS)
    assert row["timed_g_co2e_per_1k"] == r.carbon_timed.g_co2e_per_1k
    assert row["timed_intensity_g_per_kwh"] == pytest.approx(300.0)
    assert row["timed_series"].startswith("file (region not given)") and row["timed_series"].endswith("grid.csv")
    flat = make_run("text-classification", "m", [1.0])
    flat.carbon_fallback = "time-resolved carbon not computed (no cover)"
    assert flatten(flat)["carbon_fallback"] == flat.carbon_fallback and flatten(flat).get("timed_series") is None
