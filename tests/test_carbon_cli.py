"""CLI: ``wattprint project`` and ``wattprint regions`` (tables, --json, one-line errors)."""

from __future__ import annotations

import json

import pytest

from wattprint.carbon import resolve_factor
from wattprint.cli.main import main
from wattprint.results.schema import Interval, RunConfig, RunResult, Summary
from wattprint.results.store import ResultStore


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_project_json_reproduces_table5(capsys):
    rc, out, _ = _run(
        capsys, "project", "--energy", "1e-4kWh", "--rate", "10M/day",
        "--training", "51686kWh", "--training", "7571kWh", "--region", "codecarbon:oregon", "--json",
    )  # fmt: skip
    assert rc == 0
    doc = json.loads(out)
    assert round(doc["breakeven"]["queries"] / 1e6, 2) == 592.57
    assert doc["breakeven"]["days"] == pytest.approx(59.257)
    assert doc["daily"]["kwh"] == pytest.approx(1000.0)
    assert doc["daily"]["g_co2e"] == pytest.approx(138_750.0, rel=1e-4)
    assert doc["factor"]["region"] == "codecarbon:oregon" and doc["factor"]["year"] == 2016
    assert {e["id"] for e in doc["equivalents"]} >= {"phone-charge", "car-km", "car-mile"}


def test_project_table_output(capsys):
    rc, out, _ = _run(capsys, "project", "--energy-per-1k", "0.104kWh", "--rate", "500/s", "--region", "FR")
    assert rc == 0
    assert "Deployment projection" in out and "per year" in out
    assert "56.04 g CO2e/kWh" in out and "Equivalents" in out


def test_project_breakeven_only(capsys):
    rc, out, _ = _run(capsys, "project", "--energy", "0.1", "--training", "59257", "--json")
    assert rc == 0
    assert json.loads(out)["breakeven"]["queries"] == pytest.approx(592.57e6)


def test_project_from_stored_run_uses_its_factor(tmp_path, capsys):
    db = tmp_path / "w.db"
    run = RunResult(
        config=RunConfig(task="text-classification", model="arch:bert-tiny"),
        summary=Summary(
            wh_per_1k_mean=2.0,
            wh_per_1k_std=0.1,
            wh_per_1k_median=2.0,
            wh_per_1k_ci95=Interval(low=1.9, high=2.1),
            measured_share=1.0,
            seconds_per_inference=0.01,
        ),
        carbon=resolve_factor("DE"),
    )
    with ResultStore(db) as store:
        store.put(run)
    rc, out, _ = _run(capsys, "project", "--run", run.run_id[:10], "--rate", "1k/day", "--db", str(db), "--json")
    assert rc == 0
    doc = json.loads(out)
    assert doc["wh_per_query"] == pytest.approx(0.002)
    assert doc["factor"]["region"] == "DE"
    assert "measured by sensors" in doc["energy_note"]
    # an explicit region overrides the stored one, energy untouched
    rc, out, _ = _run(capsys, "project", "--run", run.run_id, "--rate", "1k/day", "--db", str(db), "--region", "FR",
                      "--json")  # fmt: skip
    assert json.loads(out)["factor"]["region"] == "FR"
    assert json.loads(out)["daily"]["kwh"] == pytest.approx(0.002)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["project", "--energy", "0.1Wh", "--rate", "1/s", "--region", "aws:us-west-9"], "aws:us-west-2"),
        (["project", "--energy", "0.1Wh", "--rate", "1/s", "--intensity", "5000"], "outside"),
        (["project", "--energy", "0.1Wh", "--rate", "1/s", "--pue", "0.5"], "PUE"),
        (["project", "--energy", "-0.1Wh", "--rate", "1/s"], "negative"),
        (["project", "--energy", "0.1Wh"], "--rate"),
        (["project", "--rate", "1/s"], "exactly one"),
        (["project", "--energy", "0.1Wh", "--rate", "10M/fortnight"], "period"),
        (["project", "--energy", "0.1Wh", "--rate", "1/s", "--region", "Monaco"], "--intensity"),
    ],
)
def test_project_errors_are_one_line(capsys, argv, needle):
    rc, out, err = _run(capsys, *argv)
    assert rc == 2
    assert "error:" in err and "Traceback" not in err
    assert needle in err


def test_project_unknown_run(tmp_path, capsys):
    ResultStore(tmp_path / "empty.db").close()
    rc, _, err = _run(capsys, "project", "--run", "nope", "--rate", "1/s", "--db", str(tmp_path / "empty.db"))
    assert rc == 2 and "no run" in err
    rc, _, err = _run(capsys, "project", "--run", "nope", "--rate", "1/s", "--db", str(tmp_path / "typo.db"))
    assert rc == 2 and "does not exist" in err and not (tmp_path / "typo.db").exists()


def test_regions_table_and_json(capsys):
    rc, out, _ = _run(capsys, "regions", "oregon")
    assert rc == 0 and "US-OR" in out and "138.75" in out
    rc, out, _ = _run(capsys, "regions", "aws", "--json")
    doc = json.loads(out)
    assert doc["unit"] == "g CO2e/kWh" and doc["default"] == "WORLD"
    assert all(r["key"].startswith("aws:") for r in doc["regions"])
    assert all(r["year"] and r["scope"] and r["source"] for r in doc["regions"])
    assert {s["id"] for s in doc["sources"]} >= {"owid-ember", "egrid2023", "gcp-region-carbon"}


def test_regions_no_match(capsys):
    rc, _, err = _run(capsys, "regions", "narnia")
    assert rc == 2 and "no region matches" in err
