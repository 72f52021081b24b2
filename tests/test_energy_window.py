"""MeterSet, Window, measure_idle, track and open_meters over scripted meters (exact joules)."""

from __future__ import annotations

import warnings

import pytest

import wattprint
from fakes_energy import ScriptedMeter
from wattprint.energy import MeterSet, Window, describe, idle, measure_idle, open_meters
from wattprint.energy.track import Tracker, track
from wattprint.energy.types import Method
from wattprint.errors import WattprintError


def scripted(*values: float, comp: str = "cpu:0", **kw) -> ScriptedMeter:
    return ScriptedMeter([{comp: v} for v in values], **kw)


def test_window_difference_and_provenance():
    a = scripted(10.0, 13.5)
    b = scripted(100.0, 100.25, comp="gpu:0", name="fakegpu", method=Method.POWER_INTEGRATION)
    ms = MeterSet([a, b])
    w = Window(ms, "step").start()
    r = w.stop()
    assert r.name == "step"
    assert r.joules == {"cpu:0": 3.5, "gpu:0": 0.25}
    assert r.total_joules == 3.75
    assert r.components[1].provenance.method is Method.POWER_INTEGRATION
    assert a.syncs == 2 and b.syncs == 2  # synchronised at both edges
    assert r.duration_s > 0


def test_window_context_manager_sets_report_even_on_error():
    ms = MeterSet([scripted(0.0, 2.0)])
    with pytest.raises(RuntimeError):
        with Window(ms, "boom") as w:
            raise RuntimeError("x")
    assert w.report is not None and w.report.joules == {"cpu:0": 2.0}


def test_window_misuse():
    ms = MeterSet([scripted(0.0, 1.0)])
    w = Window(ms)
    with pytest.raises(WattprintError, match="never started"):
        w.stop()
    w.start()
    with pytest.raises(WattprintError, match="already running"):
        w.start()


def test_counter_going_backwards_never_gives_negative_joules():
    r = Window(MeterSet([scripted(5.0, 4.0)])).start().stop()
    assert r.joules == {"cpu:0": 0.0}


def test_windows_nest_and_overlap():
    m = scripted(0.0, 1.0, 3.0, 6.0)
    outer = Window(m, "outer").start()  # 0
    inner = Window(m, "inner").start()  # 1
    assert inner.stop().joules == {"cpu:0": 2.0}  # 3 - 1
    assert outer.stop().joules == {"cpu:0": 6.0}  # 6 - 0


def test_meterset_rejects_duplicate_components():
    with pytest.raises(WattprintError, match="both"):
        MeterSet([scripted(0.0), scripted(0.0, name="other")])


def test_meterset_describe_and_close():
    a = scripted(0.0)
    ms = MeterSet([a], notes=["why"])
    rows = ms.describe_meters()
    assert rows[0].name == "scripted" and rows[0].components == ("cpu:0",) and rows[0].method == "counter"
    assert rows[0].measured and ms.parts() == [a]
    assert ms.notes == ["why"] and ms.all_measured
    ms.close()
    assert a.closed


def test_measure_idle_exact(monkeypatch):
    clock = iter([50.0, 60.0])
    monkeypatch.setattr(idle, "_clock", lambda: next(clock))
    monkeypatch.setattr(idle, "_sleep", lambda s: None)
    ms = MeterSet([scripted(100.0, 180.0), scripted(0.0, 5.0, comp="ram", name="est", method=Method.MODEL)])
    assert measure_idle(ms, 10) == {"cpu:0": 8.0, "ram": 0.5}


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "5"])
def test_measure_idle_rejects_bad_duration(bad):
    with pytest.raises(WattprintError, match="positive"):
        measure_idle(MeterSet([scripted(0.0)]), bad)


def test_idle_baseline_gives_net_energy_and_idle_share(monkeypatch):
    m = scripted(0.0, 100.0)
    w = Window(m, idle_power_w={"cpu:0": 20.0}).start()
    w._t0 -= 2.0  # pretend the window lasted 2 s more than it did
    r = w.stop()
    assert 2.0 <= r.duration_s < 3.0
    net = r.net_joules["cpu:0"]
    assert net == pytest.approx(100.0 - 20.0 * r.duration_s)
    assert r.idle_share == pytest.approx(20.0 * r.duration_s / 100.0)


def test_measure_idle_real_estimate_meter():
    ms = open_meters(["estimate"])
    try:
        watts = measure_idle(ms, 0.2)
    finally:
        ms.close()
    assert set(watts) == {"cpu", "ram"}
    assert all(v >= 0 for v in watts.values())


# -- open_meters -------------------------------------------------------------------------------------


def test_unknown_meter_lists_valid_names():
    with pytest.raises(WattprintError) as ei:
        open_meters(["rapl", "wattmeter"])
    assert "wattmeter" in ei.value.message
    for n in ("rapl", "nvml", "amdsmi", "estimate"):
        assert n in ei.value.hint


def test_empty_names_is_an_error():
    with pytest.raises(WattprintError):
        open_meters([])


def test_auto_on_a_machine_without_counters_says_it_estimates(monkeypatch, tmp_path):
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "absent"))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an absent RAPL is explained in notes, not warned
        ms = open_meters()
    try:
        assert ms.names == ["estimate"]
        assert ms.components() == ["cpu", "ram"]
        assert not ms.all_measured
        assert any("ESTIMATED" in n and "no powercap tree" in n for n in ms.notes)
    finally:
        ms.close()


def test_describe_lists_every_meter_with_reason_and_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "absent"))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    rows = {r.name: r for r in describe()}
    assert list(rows) == ["rapl", "nvml", "amdsmi", "estimate"]
    assert rows["rapl"].available is False and rows["rapl"].reason == "absent" and rows["rapl"].fix
    assert rows["estimate"].available is True and rows["estimate"].method == "model"
    assert rows["estimate"].measured is False  # an estimate is never counted as measured


# -- track -----------------------------------------------------------------------------------------------


def test_track_context_manager_with_a_meterset():
    ms = MeterSet([scripted(1.0, 4.0)])
    with track("block", meters=ms) as t:
        pass
    assert t.joules == {"cpu:0": 3.0} and t.total_joules == 3.0
    assert t.provenance["cpu:0"].method is Method.COUNTER
    assert t.mean_power_w == pytest.approx(3.0 / t.duration_s)
    assert "3.000 J measured" in repr(t)


def test_track_nesting_records_children_and_paths():
    m = scripted(0.0, 1.0, 4.0, 10.0)
    with track("outer", meters=m) as outer:
        with track("inner", meters=m) as inner:
            pass
    assert inner.total_joules == 3.0 and outer.total_joules == 10.0
    assert inner.parent is outer and outer.children == [inner]
    assert inner.path == "outer/inner" and outer.path == "outer"


def test_track_result_before_exit_is_an_error():
    t = track("x", meters=scripted(0.0, 1.0))
    with pytest.raises(WattprintError, match="no result yet"):
        _ = t.total_joules


def test_track_as_decorator_measures_each_call():
    m = scripted(0.0, 2.0, 2.0, 7.0)

    @track("f", meters=m)
    def f(x):
        return x * 2

    assert f.last_report is None
    assert f(3) == 6 and f.last_report.total_joules == 2.0 and f.last_report.name == "f"
    f(1)
    assert f.last_report.total_joules == 5.0
    assert f.__name__ == "f"


def test_bare_decorator_and_top_level_import():
    assert wattprint.track is track

    @wattprint.track
    def g():
        return sum(range(1000))

    g()
    assert g.last_report.name.endswith("g")
    assert g.last_report.components[0].provenance.method is not None


def test_track_with_meter_names_opens_and_closes_its_own_set():
    with track("e", meters=["estimate"]) as t:
        sum(range(200_000))
    assert set(t.joules) == {"cpu", "ram"}
    assert all(not p.measured for p in t.provenance.values())
    assert t._owned is None


def test_tracker_cannot_be_entered_twice():
    t = Tracker("x", meters=scripted(0.0, 1.0, 2.0, 3.0))
    with t:
        with pytest.raises(WattprintError, match="already running"):
            t.__enter__()
