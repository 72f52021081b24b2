"""Deployment projections, training break-even (the study's Table 5) and the optional layers."""

from __future__ import annotations

import pytest

from wattprint.carbon import CarbonInfo, breakeven, project, resolve_factor
from wattprint.carbon.layers import PUE_VALUES, embodied_grams, facility_wh, published_pue, water_litres
from wattprint.carbon.units import parse_energy, parse_rate
from wattprint.errors import WattprintError


def test_table5_bloomz_7b_breakeven():
    # Luccioni et al. Table 5: 51,686 kWh training + 7,571 kWh fine-tuning at 1.0e-4 kWh per inference
    training_wh = parse_energy("51686 kWh") + parse_energy("7571 kWh")
    b = breakeven(training_wh, parse_energy("1.0e-4 kWh"), parse_rate("10M/day"))
    assert round(b.queries / 1e6, 2) == 592.57
    assert b.training_kwh == pytest.approx(59_257.0)
    assert b.days == pytest.approx(59.257)  # "about 59 days" at 10 million queries a day


def test_breakeven_without_rate_has_no_days():
    b = breakeven(1000.0, 0.5)
    assert b.queries == 2000 and b.days is None


def test_projection_figures():
    f = CarbonInfo(intensity_g_per_kwh=400.0, region="test", pue=1.25)
    p = project(0.2, 1e6, f, horizon_days=730)
    # 0.2 Wh x 1e6 = 200 kWh/day IT; x 1.25 PUE x 400 g = 100 kg/day
    assert p.daily.kwh == pytest.approx(200.0)
    assert p.daily.facility_kwh == pytest.approx(250.0)
    assert p.daily.g_co2e == pytest.approx(100_000.0)
    assert p.yearly.kwh == pytest.approx(73_000.0)
    assert p.yearly.t_co2e == pytest.approx(36.5)
    assert p.cumulative.kwh == pytest.approx(146_000.0)
    assert p.cumulative.queries == pytest.approx(730e6)
    assert p.daily.water_l is None
    phone = next(e for e in p.equivalents if e.id == "phone-charge")
    assert phone.value == pytest.approx(146_000_000 / 22.0)  # of the cumulative IT energy
    km = next(e for e in p.equivalents if e.id == "car-km")
    assert km.value == pytest.approx(p.cumulative.g_co2e / 244.2)
    assert p.factor.region == "test"


def test_projection_default_factor_is_world_and_breakeven_included():
    p = project(0.1, 1e7, training_wh=59_257_000)
    assert p.factor.region == "WORLD"
    assert p.breakeven is not None and p.breakeven.days == pytest.approx(59.257)


def test_projection_water_only_when_given():
    p = project(1.0, 1000, resolve_factor("FR"), wue_l_per_kwh=1.8)
    assert p.daily.water_l == pytest.approx(1.8)  # 1 kWh/day x 1.8 L/kWh


@pytest.mark.parametrize(
    "kwargs",
    [
        {"wh_per_query": -0.1, "queries_per_day": 10},
        {"wh_per_query": 0, "queries_per_day": 10},
        {"wh_per_query": 0.1, "queries_per_day": 0},
        {"wh_per_query": 0.1, "queries_per_day": 10, "horizon_days": 0},
        {"wh_per_query": 0.1, "queries_per_day": 10, "horizon_days": 1e6},
        {"wh_per_query": 0.1, "queries_per_day": 10, "wue_l_per_kwh": 500},
        {"wh_per_query": 0.1, "queries_per_day": 10, "training_wh": -5},
    ],
)
def test_projection_rejects_bad_input(kwargs):
    with pytest.raises(WattprintError):
        project(**kwargs)


def test_absurd_sizes_are_refused_with_the_limit(capsys):
    from wattprint.cli.main import main

    with pytest.raises(WattprintError, match="beyond the limit of 1e\\+06 Wh"):
        project(wh_per_query=1e300, queries_per_day=10)  # was inf, then "must be zero or more"
    with pytest.raises(WattprintError, match="beyond the limit of 1e\\+15 per day"):
        project(wh_per_query=0.1, queries_per_day=1e300)  # was a table of 1e+288 trillion queries
    assert main(["project", "--energy", "1e300Wh", "--rate", "10M/day"]) == 2
    assert "energy per query 1e+300 Wh is beyond the limit" in capsys.readouterr().err


def test_pue_layer_is_explicit():
    assert facility_wh(100.0, 1.5) == pytest.approx(150.0)
    with pytest.raises(WattprintError):
        facility_wh(100.0, 0.9)
    with pytest.raises(WattprintError):
        facility_wh(-1.0, 1.2)
    assert published_pue("none") == 1.0
    assert all(1.0 <= p.value <= 3.0 and p.source for p in PUE_VALUES)
    with pytest.raises(WattprintError):
        published_pue("moon-base")


def test_embodied_amortisation():
    # 150 kg over 5 years, one of 8 GPUs, for one year of use: 150 kg x 1/8 x 1/5 = 3.75 kg
    one_year_s = 365.25 * 86400
    assert embodied_grams(one_year_s, 150.0, 5.0, share=1 / 8) == pytest.approx(3750.0)
    assert embodied_grams(0.0, 150.0, 5.0) == 0.0
    for bad in [(-1, 150, 5, 1), (10, -150, 5, 1), (10, 150, 0, 1), (10, 150, 50, 1), (10, 150, 5, 0), (10, 150, 5, 2)]:
        with pytest.raises(WattprintError):
            embodied_grams(*bad)


def test_water_layer():
    assert water_litres(2000.0, 1.8) == pytest.approx(3.6)
    with pytest.raises(WattprintError):
        water_litres(2000.0, -1)
    with pytest.raises(WattprintError):
        water_litres(-5, 1.0)
