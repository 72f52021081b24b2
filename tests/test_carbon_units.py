"""Unit parsing and formatting: energy (J, Wh, kWh, MWh), mass (g, kg, t), counts and rates."""

from __future__ import annotations

import pytest

from wattprint.carbon.units import (
    format_count,
    format_energy,
    format_mass,
    parse_count,
    parse_energy,
    parse_mass,
    parse_rate,
)
from wattprint.errors import WattprintError


@pytest.mark.parametrize(
    ("text", "wh"),
    [
        ("3600J", 1.0),
        ("3600 J", 1.0),
        ("3.6 kJ", 1.0),
        ("1 MJ", 1e6 / 3600),
        ("0.1Wh", 0.1),
        ("1e-4 kWh", 0.1),
        ("1e-4kWh", 0.1),
        ("51,686 kWh", 51_686_000.0),
        ("2 MWh", 2e6),
        ("1 GWh", 1e9),
        ("0", 0.0),
    ],
)
def test_parse_energy(text, wh):
    assert parse_energy(text) == pytest.approx(wh)


def test_parse_energy_default_unit_and_numbers():
    assert parse_energy("2") == 2.0  # bare: Wh
    assert parse_energy("2", default_unit="kWh") == 2000.0
    assert parse_energy(7200, default_unit="J") == pytest.approx(2.0)


@pytest.mark.parametrize("bad", ["-1Wh", "1 parsec", "abc", "1e400 Wh", "", "nan Wh"])
def test_parse_energy_rejects(bad):
    with pytest.raises(WattprintError):
        parse_energy(bad)


@pytest.mark.parametrize(("text", "g"), [("12g", 12), ("3.5 kg", 3500), ("2 t", 2e6), ("1 tonne", 1e6), ("5", 5)])
def test_parse_mass(text, g):
    assert parse_mass(text) == pytest.approx(g)


@pytest.mark.parametrize("bad", ["-3 kg", "3 lb", "heavy"])
def test_parse_mass_rejects(bad):
    with pytest.raises(WattprintError):
        parse_mass(bad)


@pytest.mark.parametrize(
    ("text", "per_day"),
    [
        ("10M/day", 1e7),
        ("1e6/day", 1e6),
        ("500/s", 500 * 86400),
        ("500/sec", 500 * 86400),
        ("2k/hour", 48_000),
        ("2k per hour", 48_000),
        ("100/min", 144_000),
        ("1B/year", 1e9 / 365),
        ("10 M / days", 1e7),
        ("3650", 3650),
        ("10M", 1e7),
    ],
)
def test_parse_rate(text, per_day):
    assert parse_rate(text) == pytest.approx(per_day)


@pytest.mark.parametrize("bad", ["-5/s", "0/day", "10M/fortnight", "10X/day", "fast", "0"])
def test_parse_rate_rejects(bad):
    with pytest.raises(WattprintError):
        parse_rate(bad)


def test_parse_count():
    assert parse_count("592.57M") == pytest.approx(592.57e6)
    assert parse_count("2.5k") == 2500
    with pytest.raises(WattprintError):
        parse_count("-1k")


def test_formatting():
    assert format_energy(59_257_000) == "59.26 MWh"
    assert format_energy(0.1) == "360 J"
    assert format_energy(12.5) == "12.5 Wh"
    assert format_mass(2.5e6) == "2.5 t"
    assert format_mass(1594) == "1.594 kg"
    assert format_count(592.57e6) == "592.57 million"
