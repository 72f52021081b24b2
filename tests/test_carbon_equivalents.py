"""Equivalents table: sources, years, and the study's own conversions."""

from __future__ import annotations

import pytest

from wattprint.carbon import equivalents
from wattprint.carbon.equivalents import equivalent_table
from wattprint.errors import WattprintError


def _by_id(wh, g, **kw):
    return {e.id: e for e in equivalents(wh, g, **kw)}


def test_every_row_has_source_and_year_or_stated_basis():
    for d in equivalent_table():
        assert d.source and d.per_unit > 0
        if d.kind == "sourced":
            assert d.year is not None and d.url
        else:
            assert d.kind in ("physics", "stated-rating") and d.year is None


def test_phone_charges_epa_2024_and_legacy():
    eq = _by_id(22.0, 0.0)
    assert eq["phone-charge"].value == pytest.approx(1.0)
    assert eq["phone-charge"].year == 2024
    assert "phone-charge-pre2024" not in eq
    legacy = _by_id(12.0, 0.0, include_legacy=True)["phone-charge-pre2024"]
    assert legacy.value == pytest.approx(1.0)


def test_study_text_generation_phone_share():
    # reference: most efficient text-generation model 0.0143 kWh per 1,000 = 65% of a 0.022 kWh charge
    assert _by_id(14.3, 0.0)["phone-charge"].value == pytest.approx(0.65, abs=0.005)


def test_sdxl_car_distance_matches_study():
    # SDXL: 1,594 g per 1,000 images ~ 4.1 miles (6.6 km) at EPA's 393 g/mile
    eq = _by_id(11490.0, 1594.0)
    assert eq["car-mile"].value == pytest.approx(4.06, abs=0.01)
    assert eq["car-km"].value == pytest.approx(eq["car-mile"].value * 1.609344, rel=1e-3)


def test_energy_rows_ignore_grams_and_carbon_rows_ignore_wh():
    a, b = _by_id(100.0, 50.0), _by_id(100.0, 500.0)
    assert a["led-bulb-hour"].value == b["led-bulb-hour"].value == pytest.approx(10.0)
    assert b["car-km"].value == pytest.approx(10 * a["car-km"].value)


def test_kettle_is_physics():
    boil = _by_id(98.84, 0)["kettle-boil"]
    assert boil.value == pytest.approx(1.0, rel=1e-3)
    assert boil.kind == "physics"


def test_select_ids_and_reject_bad_input():
    assert [e.id for e in equivalents(1, 1, ids=["car-km"])] == ["car-km"]
    with pytest.raises(WattprintError, match="unknown equivalent"):
        equivalents(1, 1, ids=["teleport"])
    with pytest.raises(WattprintError):
        equivalents(-1, 0)
    with pytest.raises(WattprintError):
        equivalents(1, float("nan"))
