"""Serving runs in the commands and pages that show results: their carbon per request, the link to their page."""

from __future__ import annotations

import json

import pytest

from test_cli_tables_80 import _assert_no_split_word
from wattprint.carbon.factor import CarbonInfo
from wattprint.cli.main import main
from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
from wattprint.results.serving import Estimate, LevelRepeat, LevelResult, ServingResult, ServingStore
from wattprint.results.store import ResultStore

FACTOR = CarbonInfo(intensity_g_per_kwh=400.0, region="ZZ-TEST", source="Testgrid", year=2023, pue=1.5)


def _level(c: int, jpr: float) -> LevelResult:
    prov = Provenance(source="estimate", method=Method.MODEL, uncertainty_low=-0.5, uncertainty_high=1.0)
    energy = EnergyReport(duration_s=1.0,
                          components=[ComponentEnergy(component="cpu", joules=jpr * 10, provenance=prov)])
    est = Estimate(mean=jpr, low=jpr, high=jpr, n=1)
    return LevelResult(kind="concurrency", value=c, label=f"c={c}", j_per_request=est, requests_per_s=est,
                       repeats=[LevelRepeat(index=0, window_s=1.0, energy=energy, requests=10, errors=0,
                                            input_tokens=10, output_tokens=10, generator_cpu_s=0.0)])


@pytest.fixture()
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    path = tmp_path / "s.db"
    run = ServingResult(run_id="c" * 32, endpoint="http://127.0.0.1:1", model="m", levels=[_level(1, 36.0),
                                                                                      _level(4, 18.0)],
                        carbon=FACTOR)
    with ResultStore(path) as store:
        ServingStore(store).put(run)
    return str(path)


# 36 J = 0.01 Wh -> 0.01 / 1000 * 1.5 * 400 = 0.006 g; 18 J -> 0.003 g
def test_results_show_gives_g_co2e_per_level_with_the_factor(db, capsys, monkeypatch):
    out = _assert_no_split_word(["results", "show", "cccc", "--db", db], capsys, monkeypatch)
    flat = " ".join(out.split())
    assert "g CO2e per request: c=1 0.006, c=4 0.003" in flat
    assert "400 g/kWh (ZZ-TEST; Testgrid, 2023), PUE 1.5" in flat


def test_report_table_and_html_give_g_co2e_per_request(db, capsys, monkeypatch, tmp_path):
    out = _assert_no_split_word(["report", "--db", db], capsys, monkeypatch)
    assert "g/req" in out and "0.006" in out and "0.003" in out and "ZZ-TEST" in out
    html = tmp_path / "r.html"
    assert main(["report", "--db", db, "--html", str(html)]) == 0
    page = html.read_text()
    assert "g CO2e/request" in page and "<td class='num'>0.00600</td>" in page and "ZZ-TEST; Testgrid" in page


def test_serving_export_rows_carry_g_co2e_and_factor(db, capsys):
    assert main(["results", "export", "-", "--serving", "--json", "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["g_co2e_per_request"] for r in rows] == pytest.approx([0.006, 0.003])
    assert rows[0]["carbon_region"] == "ZZ-TEST" and rows[0]["carbon_intensity_g_per_kwh"] == 400
    assert rows[0]["pue"] == 1.5


def test_main_html_page_links_the_serving_page_beside_it(db, tmp_path):
    from fakes_analysis import make_run

    with ResultStore(db) as store:
        store.put_many([make_run("text-classification", "bert", [1.0, 1.1])])
    html = tmp_path / "a&b <r>.html"
    assert main(["report", "--db", db, "--html", str(html)]) == 0
    serving = tmp_path / "a&b <r>-serving.html"
    assert serving.exists()
    page = html.read_text()
    # relative (the pages travel together), URL-quoted inside an escaped attribute, the name escaped as text
    assert '<a href="a%26b%20%3Cr%3E-serving.html">a&amp;b &lt;r&gt;-serving.html</a>' in page
    assert str(tmp_path) not in page


@pytest.mark.parametrize("argv", [["--task", "text-classification"], ["--status", "failed"], ["--model", "other"]])
def test_results_list_of_a_serving_store_names_its_serving_runs(db, capsys, argv):
    assert main(["results", "list", "--db", db, *argv]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "no matching runs in" in out and "it holds 1 serving run(s): wattprint results list --serving --db" in out


def test_results_list_serving_flag_lists_only_serving_runs(db, capsys):
    from fakes_analysis import make_run

    with ResultStore(db) as store:
        store.put_many([make_run("text-classification", "bert", [1.0, 1.1])])
    assert main(["results", "list", "--db", db, "--serving"]) == 0
    out = capsys.readouterr().out
    assert "1 serving run(s)" in out and "cccccccc" in out and "bert" not in out
    assert main(["results", "list", "--db", db, "--serving", "--task", "qa"]) != 0
    assert "--serving lists serving runs only" in capsys.readouterr().err
