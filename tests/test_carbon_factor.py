"""Region lookup, resolve_factor, validation and recompute helpers."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from wattprint.carbon import CarbonInfo, list_regions, lookup, recompute, rescale, resolve_factor
from wattprint.carbon.accounting import grams
from wattprint.carbon.regions import load_data
from wattprint.errors import WattprintError


def test_default_is_explicit_world_average():
    info = resolve_factor()
    assert info.region == "WORLD"
    assert info.intensity_g_per_kwh == 475.0
    assert info.year == 2019 and info.scope == "direct"
    assert "IEA" in info.source and "grid data v" in info.source


@pytest.mark.parametrize("name", ["FR", "fra", "France", "  france "])
def test_country_by_alpha2_alpha3_and_name(name):
    info = resolve_factor(name)
    assert info.region == "FR"
    assert info.scope == "life-cycle" and info.year in (2022, 2023)
    assert 0 < info.intensity_g_per_kwh < 200  # nuclear/hydro grid


def test_uk_alias_and_us_state_and_cloud():
    assert resolve_factor("UK").region == "GB"
    ca = resolve_factor("US-CA")
    assert ca.scope == "direct" and ca.year == 2023 and "eGRID2023" in ca.source
    assert resolve_factor("california").region == "US-CA"
    aws = resolve_factor("aws:us-west-2")
    assert aws.intensity_g_per_kwh == lookup("US-OR").g_per_kwh  # mapped to Oregon's grid
    assert "US-OR" in aws.source
    assert resolve_factor("us-west-2").region == "aws:us-west-2"  # unique bare cloud name
    assert resolve_factor("gcp/us-central1").region == "gcp:us-central1"


def test_study_factor_is_available_and_exact():
    info = resolve_factor("codecarbon:oregon")
    assert info.intensity_g_per_kwh == pytest.approx(138.75, abs=0.005)
    assert info.year == 2016


def test_unknown_region_lists_close_matches():
    with pytest.raises(WattprintError) as exc:
        resolve_factor("aws:us-west-9")
    assert "unknown region" in exc.value.message
    assert "aws:us-west-2" in exc.value.hint and "--intensity" in exc.value.hint
    with pytest.raises(WattprintError) as exc:
        resolve_factor("Frnace")
    assert "FR" in exc.value.hint


def test_country_without_sourced_value_points_to_intensity_or_world():
    with pytest.raises(WattprintError) as exc:
        resolve_factor("MC")
    assert "Monaco" in exc.value.message
    assert "--intensity" in exc.value.hint and "WORLD" in exc.value.hint


def test_user_intensity_is_recorded_as_such():
    info = resolve_factor(intensity=300, pue=1.2)
    assert info.region == "custom" and info.source.startswith("user-supplied")
    assert info.year is None and info.pue == 1.2
    labelled = resolve_factor(region="my-dc", intensity=12.5)
    assert labelled.region == "my-dc" and labelled.intensity_g_per_kwh == 12.5


@pytest.mark.parametrize("bad", [-1, 2000.1, 1e9, float("nan"), float("inf"), "abc"])
def test_absurd_intensity_rejected(bad):
    with pytest.raises(WattprintError):
        resolve_factor(intensity=bad)


@pytest.mark.parametrize("bad", [0.99, 0, 3.01, -1, float("nan")])
def test_pue_out_of_range_rejected(bad):
    with pytest.raises(WattprintError, match="PUE"):
        resolve_factor(pue=bad)


def test_pue_bounds_accepted():
    assert resolve_factor(pue=1.0).pue == 1.0
    assert resolve_factor(pue=3.0).pue == 3.0


def test_recompute_and_rescale():
    info = CarbonInfo(intensity_g_per_kwh=400, region="x", pue=1.5)
    # 2,000 Wh = 2 kWh x 1.5 PUE x 400 g/kWh = 1,200 g
    assert recompute(2000, info) == pytest.approx(1200)
    assert recompute(2000, 400) == pytest.approx(800)
    assert recompute(2000, info, pue=1.0) == pytest.approx(800)
    assert grams(2000, 400, 1.5) == pytest.approx(info.grams(2000))
    new = CarbonInfo(intensity_g_per_kwh=100, region="y", pue=1.0)
    assert rescale(1200, info, new) == pytest.approx(200)
    with pytest.raises(WattprintError):
        recompute(-1, info)


def test_every_region_carries_value_year_scope_and_known_source():
    doc = load_data()
    assert doc["version"] and doc["default"] == "WORLD"
    ids = {s["id"] for s in doc["sources"]}
    for s in doc["sources"]:
        assert s["title"] and s["url"] and s["via"] and s["licence"]
    for key, row in doc["regions"].items():
        assert row["source"] in ids, key
        assert isinstance(row["year"], int) and 1990 < row["year"] < 2100, key
        assert row["scope"] in ("direct", "life-cycle"), key
        assert 0 <= row["g_per_kwh"] <= 2000, key


def test_coverage():
    kinds = [r.kind for r in list_regions()]
    assert kinds.count("country") >= 200
    assert kinds.count("us-state") == 51
    assert len(list_regions("aws")) >= 30 and len(list_regions("gcp")) >= 40 and len(list_regions("azure")) >= 35
    # every ISO 3166-1 country is either sourced or listed as unsourced
    doc = load_data()
    assert kinds.count("country") + len(doc["countries_without_data"]) == 249


def test_list_regions_query():
    hits = list_regions("oregon")
    keys = {r.key for r in hits}
    assert {"US-OR", "codecarbon:oregon", "aws:us-west-2", "gcp:us-west1"} <= keys
    assert list_regions("zzzz-nothing") == []


def test_data_file_is_package_data():
    raw = resources.files("wattprint").joinpath("data", "grid_intensity.json").read_text(encoding="utf-8")
    assert json.loads(raw)["unit"] == "g CO2e/kWh"


def test_find_by_intensity_identifies_study_factor():
    from wattprint.carbon.regions import find_by_intensity

    # a study log row: emissions (kg) / energy (kWh) x 1000 = 138.75 g/kWh
    emissions_kg, energy_kwh = 0.0013875, 0.01
    keys = [r.key for r in find_by_intensity(emissions_kg / energy_kwh * 1000)]
    assert "codecarbon:oregon" in keys
    assert find_by_intensity(0) == []


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_every_carbon_figure_refuses_negative_or_non_finite_energy_the_same_way(bad):
    from wattprint.carbon.layers import facility_wh, water_litres

    for call in (lambda: grams(bad, 300.0), lambda: facility_wh(bad, 1.2), lambda: water_litres(bad, 1.8)):
        with pytest.raises(WattprintError, match="Wh must be zero or more") as e:
            call()
        assert e.value.hint == "energy cannot be negative"
    assert facility_wh(10.0, 1.5) == 15.0 and water_litres(2000.0, 1.8) == pytest.approx(3.6)
