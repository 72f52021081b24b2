"""Schema and store: round trips, transactions, summaries computed from repeats."""

from __future__ import annotations

import math

import pytest

from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
from wattprint.errors import WattprintError
from wattprint.results.schema import RepeatResult, RunConfig, RunResult, Summary
from wattprint.results.store import ResultStore

COUNTER = Provenance(source="rapl", method=Method.COUNTER, uncertainty_low=-0.05, uncertainty_high=0.05)
MODEL = Provenance(source="estimate", method=Method.MODEL, uncertainty_low=-0.5, uncertainty_high=1.0)


def _repeat(i: int, cpu_j: float, ram_j: float, n: int = 100) -> RepeatResult:
    energy = EnergyReport(
        duration_s=10.0,
        components=[
            ComponentEnergy(component="cpu:0", joules=cpu_j, provenance=COUNTER),
            ComponentEnergy(component="ram", joules=ram_j, provenance=MODEL),
        ],
        idle_power_w={"cpu:0": 1.0, "ram": 0.0},
    )
    return RepeatResult(index=i, inferences=n, energy=energy, counts={"output_tokens": 10 * n})


def test_summary_from_repeats_exact_figures():
    reps = [_repeat(0, 360.0, 36.0), _repeat(1, 720.0, 36.0)]
    s = Summary.from_repeats(reps)
    # repeat 0: 396 J / 100 inferences -> 1.1 Wh per 1k; repeat 1: 756 J -> 2.1 Wh per 1k
    assert s.wh_per_1k_mean == pytest.approx(1.6)
    assert s.wh_per_1k_std == pytest.approx(math.sqrt(0.5))
    t975_df1 = math.tan(math.pi * (0.975 - 0.5))  # df = 1: Student t is Cauchy, quantile tan(pi (p - 1/2))
    half = t975_df1 * math.sqrt(0.5) / math.sqrt(2)
    assert s.wh_per_1k_ci95.high == pytest.approx(1.6 + half)
    assert s.wh_per_1k_ci95.low == 0.0  # floored: energy is never negative
    assert s.measured_share == pytest.approx(1080 / 1152)
    # idle 1 W x 10 s = 10 J per repeat removed from cpu
    assert s.net_wh_per_1k_mean == pytest.approx((1152 - 20) / 3600 / 200 * 1000)
    assert s.wh_per_output_token == pytest.approx(1152 / 3600 / 2000)
    assert s.components_wh_per_1k["ram"] == pytest.approx(72 / 3600 / 200 * 1000)


def test_config_hash_ignores_carbon_settings_only():
    a = RunConfig(task="text-classification", model="arch:bert-tiny")
    assert a.config_hash() == RunConfig(task="text-classification", model="arch:bert-tiny", region="FR").config_hash()
    assert a.config_hash() != RunConfig(task="text-classification", model="arch:bert-tiny", n=10).config_hash()


def test_store_round_trip_filters_and_resume(tmp_path):
    db = tmp_path / "w.db"
    cfg = RunConfig(task="text-classification", model="arch:bert-tiny", n=100)
    ok = RunResult(config=cfg, repeats=[_repeat(0, 360, 36)])
    ok.summary = Summary.from_repeats(ok.repeats)
    failed = RunResult(config=cfg.model_copy(update={"model": "nope"}), status="failed", error="boom")
    with ResultStore(db) as store:
        store.put_many([ok, failed])
        assert store.count() == 2
        assert store.has_ok(cfg.config_hash())
        assert not store.has_ok(failed.config_hash)
        got = store.get(ok.run_id[:8])
        assert got.summary.wh_per_1k_mean == pytest.approx(ok.summary.wh_per_1k_mean)
        assert [r.status for r in store.list(status="failed")] == ["failed"]
        with pytest.raises(WattprintError):
            store.get("zzzz")


def test_store_put_many_is_all_or_nothing(tmp_path):
    cfg = RunConfig(task="text-classification", model="m")
    good = RunResult(config=cfg)

    class Boom(Exception):
        pass

    def gen():
        yield good
        raise Boom

    with ResultStore(tmp_path / "w.db") as store:
        with pytest.raises(Boom):
            store.put_many(gen())
        assert store.count() == 0


def test_garbage_db_file_is_a_clear_error(tmp_path):
    p = tmp_path / "bad.db"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(WattprintError, match="is not a wattprint SQLite file"):
        ResultStore(p)
