"""RAPL meter against fake powercap trees: discovery policy, exact joules, wraps, failures."""

from __future__ import annotations

import builtins
import os
import shutil
import threading
import time
import warnings

import pytest

from fakes_energy import FakePowercap
from wattprint.energy import open_meters
from wattprint.energy import rapl as rapl_mod
from wattprint.energy.notices import MeterWarning
from wattprint.energy.rapl import RaplMeter, RaplUnavailable
from wattprint.energy.types import EnergyReport, Method
from wattprint.errors import WattprintError


@pytest.fixture
def pc(tmp_path):
    return FakePowercap(tmp_path / "powercap")


def meter(pc: FakePowercap, **kw) -> RaplMeter:
    kw.setdefault("start_poller", False)
    return RaplMeter(pc.root, **kw)


# -- discovery and policy ----------------------------------------------------------------------


def test_server_takes_packages_and_dram_not_core(pc):
    pc.server(sockets=2, dram=True)
    m = meter(pc)
    assert m.components() == ["cpu:0", "cpu:1", "dram:0", "dram:1"]
    p = m.provenance("dram:1")
    assert p.source == "rapl" and p.method is Method.COUNTER
    assert "intel-rapl:1:1" in p.note


def test_mmio_duplicate_of_a_package_is_dropped(pc):
    pc.server(sockets=1, dram=False, mmio=True)
    m = meter(pc)
    assert m.components() == ["cpu:0"]
    assert "mmio" not in m.provenance("cpu:0").note


def test_mmio_only_package_is_kept_and_labelled(pc):
    pc.add("intel-rapl-mmio:0", "package-0", 10)
    m = meter(pc)
    assert m.components() == ["cpu:0"]
    assert "mmio" in m.provenance("cpu:0").note


def test_psys_never_added_to_packages(pc):
    pc.server(sockets=1, dram=True, psys=True)
    assert meter(pc).components() == ["cpu:0", "dram:0"]
    assert meter(pc, policy="psys").components() == ["psys"]
    assert "psys" not in meter(pc, policy="package").components()


def test_psys_alone_when_no_package(pc):
    pc.add("intel-rapl:0", "psys", 100)
    assert meter(pc).components() == ["psys"]
    with pytest.raises(RaplUnavailable, match="no usable RAPL package domain"):
        meter(pc, policy="package")


def test_unknown_policy(pc):
    pc.server(1)
    with pytest.raises(WattprintError, match="policy"):
        meter(pc, policy="both")


def test_amd_naming_package_and_core_only(pc, monkeypatch):
    pc.add("intel-rapl:0", "package-0", 0)
    pc.add("intel-rapl:0:0", "core", 0)
    monkeypatch.setattr(rapl_mod, "_cpu_vendor_is_amd", lambda: True)
    m = meter(pc)
    assert m.components() == ["cpu:0"]
    p = m.provenance("cpu:0")
    assert (p.uncertainty_low, p.uncertainty_high) == (-0.15, 0.15) and "AMD" in p.note


def test_flat_sysfs_listing_with_symlinks_is_deduplicated(tmp_path):
    devices = FakePowercap(tmp_path / "devices").server(sockets=1, dram=True)
    root = tmp_path / "class"
    root.mkdir()
    for zone, path in devices.zones.items():
        (root / zone).symlink_to(path)
    m = RaplMeter(root, start_poller=False)
    assert m.components() == ["cpu:0", "dram:0"]


def test_missing_root_is_absent(tmp_path):
    with pytest.raises(RaplUnavailable) as ei:
        RaplMeter(tmp_path / "nope", start_poller=False)
    assert ei.value.reason == "absent" and "modprobe" in ei.value.hint


def test_env_var_redirects_the_root(pc, monkeypatch):
    pc.server(sockets=1, dram=False)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    ms = open_meters(["rapl"])
    try:
        assert ms.components() == ["cpu:0"]
    finally:
        ms.close()


# -- exact joules ---------------------------------------------------------------------------------


def test_counter_difference_exact(pc):
    pc.server(sockets=1, dram=True)
    m = meter(pc)
    assert m.read() == {"cpu:0": 0.0, "dram:0": 0.0}
    pc.set("intel-rapl:0", 1000 + 2_500_000)
    pc.set("intel-rapl:0:1", 2000 + 750_000)
    assert m.read() == {"cpu:0": 2.5, "dram:0": 0.75}


def test_single_wrap_adds_the_range(pc):
    pc.add("intel-rapl:0", "package-0", 9_000_000, max_uj=10_000_000)
    m = meter(pc)
    pc.set("intel-rapl:0", 1_000_000)
    assert m.read() == {"cpu:0": 2.0}
    assert m.domains[0].wraps == 1


def test_several_wraps_in_one_window_via_sampling(pc):
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10_000_000)  # 10 J range
    m = meter(pc)
    start = m.read()["cpu:0"]
    for joules in (6, 2, 8, 4, 9, 1):  # wraps after 6->2, 8->4, 9->1
        pc.set("intel-rapl:0", joules * 1_000_000)
        m.sample()
    # 6 + (2+10-6) + 6 + (4+10-8) + 5 + (1+10-9) = 31 J
    assert m.read()["cpu:0"] - start == 31.0
    assert m.domains[0].wraps == 3


def test_background_poller_catches_several_wraps(pc):
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10_000_000)
    m = RaplMeter(pc.root, poll_period_s=0.01)
    try:
        assert m.poll_period_s == 0.01
        d = m.domains[0]
        for joules in (7, 3, 9, 5, 2):  # 7 + 6 + 6 + 6 + 7 = 32 J, three wraps
            pc.set("intel-rapl:0", joules * 1_000_000)
            deadline = time.monotonic() + 5
            while d.last_raw != joules * 1_000_000 and time.monotonic() < deadline:
                time.sleep(0.005)
            assert d.last_raw == joules * 1_000_000, "poller did not sample"
        assert m.read()["cpu:0"] == 32.0
        assert d.wraps == 3
    finally:
        m.close()
    assert m._poller is None


def test_default_poll_period_is_shorter_than_the_wrap_time(pc):
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10_000_000)  # 10 J: wraps in 0.02 s at 500 W
    assert meter(pc).poll_period_s == rapl_mod.MIN_PERIOD_S
    pc2 = FakePowercap(pc.root.parent / "b")
    pc2.add("intel-rapl:0", "package-0", 0, max_uj=40_000_000_000)  # 40 kJ / 500 W = 80 s -> 20 s
    assert meter(pc2).poll_period_s == 20.0


# -- failures: never negative, never absurd ------------------------------------------------------------


def test_unreadable_max_counts_a_wrap_from_zero(pc):
    d = pc.add("intel-rapl:0", "package-0", 9_000_000, max_uj=None)
    (d / "max_energy_range_uj").mkdir()  # unreadable: a directory
    with pytest.warns(MeterWarning, match="max_energy_range_uj"):
        m = meter(pc)
    assert m.domains[0].max_range_uj is None
    pc.set("intel-rapl:0", 1_000_000)
    with pytest.warns(MeterWarning, match="lower bound"):
        assert m.read() == {"cpu:0": 1.0}
    pc.set("intel-rapl:0", 3_000_000)
    assert m.read() == {"cpu:0": 3.0}
    assert "wrap range unknown" in m.provenance("cpu:0").note


def test_garbage_max_is_treated_as_unknown(pc):
    pc.add("intel-rapl:0", "package-0", 5, max_uj="lots")
    with pytest.warns(MeterWarning):
        m = meter(pc)
    assert m.domains[0].max_range_uj is None


def test_failed_read_keeps_last_good_value(pc):
    d = pc.add("intel-rapl:0", "package-0", 0, max_uj=10**12)
    m = meter(pc)
    pc.set("intel-rapl:0", 3_000_000)
    assert m.read() == {"cpu:0": 3.0}
    (d / "energy_uj").unlink()
    (d / "energy_uj").mkdir()  # reading now fails with IsADirectoryError
    with pytest.warns(MeterWarning, match="failed read"):
        assert m.read() == {"cpu:0": 3.0}
    (d / "energy_uj").rmdir()
    pc.set("intel-rapl:0", 5_000_000)
    assert m.read() == {"cpu:0": 5.0}
    assert m.domains[0].failed_reads == 1


def test_garbage_mid_run_is_a_failed_read(pc):
    pc.add("intel-rapl:0", "package-0", 0)
    m = meter(pc)
    pc.set("intel-rapl:0", "-12")
    with pytest.warns(MeterWarning):
        assert m.read() == {"cpu:0": 0.0}


def test_absurd_jump_is_dropped(pc):
    pc.add("intel-rapl:0", "package-0", 1_000_000, max_uj=None)
    with pytest.warns(MeterWarning, match="max_energy_range_uj"):
        m = meter(pc)
    pc.set("intel-rapl:0", 2_000_000)
    assert m.read() == {"cpu:0": 1.0}
    pc.set("intel-rapl:0", 10**12)  # 1 MJ in well under a second
    with pytest.warns(MeterWarning, match="glitch"):
        assert m.read() == {"cpu:0": 1.0}
    pc.set("intel-rapl:0", 10**12 + 500_000)
    assert m.read() == {"cpu:0": 1.5}
    assert m.domains[0].dropped == 1


def test_reads_are_monotonic_under_random_garbage(pc):
    import random

    rng = random.Random(7)
    pc.add("intel-rapl:0", "package-0", 0, max_uj=50_000_000)
    m = meter(pc)
    prev = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MeterWarning)
        for _ in range(200):
            choice = rng.random()
            value = rng.randrange(0, 50_000_000) if choice < 0.8 else rng.choice(["x", "", "-5", "99999999999999"])
            pc.set("intel-rapl:0", value)
            now = m.read()["cpu:0"]
            assert now >= prev
            assert now - prev <= 50.0  # never more than one full range per step
            prev = now


# -- permission and garbage at open ---------------------------------------------------------------------


def deny_energy_reads(monkeypatch):
    real_open = builtins.open

    def fake_open(file, *a, **kw):
        if str(file).endswith("energy_uj") and "max_" not in str(file):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", fake_open)


def test_permission_denied_gives_the_exact_fix(pc, monkeypatch):
    pc.server(sockets=1, dram=True)
    deny_energy_reads(monkeypatch)
    with pytest.raises(RaplUnavailable) as ei:
        meter(pc)
    err = ei.value
    assert err.reason == "denied"
    assert "permission denied" in err.message
    assert f"sudo chmod o+r {pc.root}/intel-rapl:*/energy_uj" in err.hint
    assert "/etc/udev/rules.d/" in err.hint and 'SUBSYSTEM=="powercap"' in err.hint


def test_permission_denied_falls_back_to_estimation_loudly(pc, monkeypatch):
    pc.server(sockets=1, dram=True)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    deny_energy_reads(monkeypatch)
    with pytest.warns(MeterWarning, match="ESTIMATED.*chmod"):
        ms = open_meters()
    try:
        assert "estimate" in ms.names and "rapl" not in ms.names
        assert {"cpu", "ram"} <= set(ms.components())
        assert any("permission denied" in n for n in ms.notes)
    finally:
        ms.close()


def test_explicit_rapl_when_denied_is_an_error(pc, monkeypatch):
    pc.server(sockets=1)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    deny_energy_reads(monkeypatch)
    with pytest.raises(WattprintError, match="permission denied"):
        open_meters(["rapl"])


def test_one_garbage_package_makes_the_cpu_unavailable_not_half_measured(pc):
    """A partial sum over sockets would undercount: every package domain goes, with the reason."""
    pc.server(sockets=2, dram=True)
    pc.set("intel-rapl:1", "garbage\x00\x01")
    with pytest.warns(MeterWarning, match="intel-rapl:1"):
        m = meter(pc)
    assert m.components() == ["dram:0", "dram:1"]
    assert set(m.unavailable) == {"cpu:0", "cpu:1"}
    assert "intel-rapl:1/energy_uj unreadable" in m.unavailable["cpu:1"]
    assert "cpu:1 is unreadable" in m.unavailable["cpu:0"]
    assert "cpu:1 NOT MEASURED" in m.describe().detail and dict(m.describe().unavailable) == m.unavailable


def test_garbage_package_without_dram_is_unusable(pc):
    pc.server(sockets=2, dram=False)
    pc.set("intel-rapl:1", "garbage")
    with pytest.raises(RaplUnavailable) as ei:
        meter(pc)
    assert ei.value.reason == "unusable"


def _make_broken(path, how):
    """Put a broken ``energy_uj`` in place: each way the issue found, and a FIFO that would block."""
    path.unlink()
    if how == "directory":
        path.mkdir()
    elif how == "fifo":
        os.mkfifo(path)
    elif how == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    elif how == "huge":
        path.write_text("1" * 100_000)
    else:
        path.write_text({"garbage": "12abc\n", "negative": "-5000\n", "empty": "", "superscript": "\u00b2\n"}[how])


BROKEN = ("garbage", "negative", "empty", "binary", "directory", "fifo", "superscript", "huge")


@pytest.mark.parametrize("how", BROKEN)
def test_broken_package_counter_is_estimated_and_labelled_in_auto(pc, monkeypatch, how):
    """Issue #12 item 4: the package counter broken, DRAM fine: the CPU is estimated (labelled
    model), never 0 J reported as measured; all_measured is false and the notes say why."""
    pc.server(sockets=1, dram=True)
    _make_broken(pc.zones["intel-rapl:0"] / "energy_uj", how)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    t0 = time.monotonic()
    with pytest.warns(MeterWarning, match="cpu:0 is NOT MEASURED"):
        ms = open_meters()
    try:
        assert time.monotonic() - t0 < 5  # a FIFO never blocks the read
        assert ms.names[:2] == ["rapl", "estimate"]
        assert ms.components()[:2] == ["dram:0", "cpu"]
        assert ms.provenance("dram:0").measured
        assert not ms.provenance("cpu").measured and ms.provenance("cpu").label.startswith("estimated")
        assert not ms.all_measured
        assert any("CPU energy is ESTIMATED" in n for n in ms.notes)
        assert any("intel-rapl:0/energy_uj unreadable" in n for n in ms.notes)
    finally:
        ms.close()


@pytest.mark.parametrize("how", ["garbage", "fifo"])
def test_broken_dram_counter_estimates_ram(pc, monkeypatch, how):
    pc.server(sockets=1, dram=True)
    _make_broken(pc.zones["intel-rapl:0:1"] / "energy_uj", how)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    with pytest.warns(MeterWarning, match="dram:0 is NOT MEASURED"):
        ms = open_meters()
    try:
        assert ms.components()[:2] == ["cpu:0", "ram"]
        assert not ms.provenance("ram").measured and not ms.all_measured
        assert any("RAM energy is ESTIMATED (model): RAPL unreadable" in n for n in ms.notes)
    finally:
        ms.close()


def test_explicit_rapl_with_a_broken_domain_is_an_error(pc, monkeypatch):
    pc.server(sockets=1, dram=True)
    pc.set("intel-rapl:0", "-1")
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(WattprintError, match="cpu:0 cannot be measured"):
            open_meters(["rapl"])


def test_fifo_name_file_does_not_hang_discovery(pc):
    pc.server(sockets=1, dram=False)
    d = pc.add("intel-rapl:1", "package-1", 0)
    (d / "name").unlink()
    os.mkfifo(d / "name")
    with pytest.warns(MeterWarning, match="name"):
        assert meter(pc).components() == ["cpu:0"]


def test_counter_turning_into_a_fifo_mid_run_is_a_failed_read_not_a_hang(pc):
    pc.server(sockets=1, dram=False)
    m = meter(pc)
    m.read()
    _make_broken(pc.zones["intel-rapl:0"] / "energy_uj", "fifo")
    t0 = time.monotonic()
    with pytest.warns(MeterWarning, match="failed read"):
        assert m.read() == {"cpu:0": 0.0}
    assert time.monotonic() - t0 < 5


def test_garbage_name_file_is_skipped(pc):
    pc.server(sockets=1, dram=False)
    d = pc.add("intel-rapl:1", "package-1", 0)
    (d / "name").write_bytes(b"\xff\xfe\x00junk")
    with pytest.warns(MeterWarning, match="name"):
        assert meter(pc).components() == ["cpu:0"]


def test_all_garbage_is_a_one_line_error(pc):
    pc.add("intel-rapl:0", "package-0", "not a number")
    with pytest.raises(RaplUnavailable) as ei:
        meter(pc)
    assert ei.value.reason == "unusable"
    assert "\n" not in ei.value.message and "not a number" in ei.value.message


def test_auto_with_rapl_without_dram_adds_estimated_ram(pc, monkeypatch):
    pc.add("intel-rapl:0", "package-0", 0)
    pc.add("intel-rapl:0:0", "core", 0)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    ms = open_meters()
    try:
        assert ms.names[:2] == ["rapl", "estimate"]
        assert ms.components()[:2] == ["cpu:0", "ram"]
        assert ms.provenance("cpu:0").measured and not ms.provenance("ram").measured
        assert not ms.all_measured
    finally:
        ms.close()


def test_tree_on_tmpfs_copy_of_a_real_layout(pc, tmp_path):
    """A copied tree (as a user would make with cp -r) works the same as the fake."""
    pc.server(sockets=1, dram=True)
    copy = tmp_path / "copy"
    shutil.copytree(pc.root, copy)
    m = RaplMeter(copy, start_poller=False)
    assert m.components() == ["cpu:0", "dram:0"]


def test_concurrent_reads_and_sampling_are_consistent(pc):
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10**12)
    m = meter(pc)
    pc.set("intel-rapl:0", 4_000_000)
    results = []

    def worker():
        for _ in range(50):
            m.sample()
            results.append(m.read()["cpu:0"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == {4.0}


# -- a counter that fails at a window's edge: estimated, never measured ---------------------------------------


def _window_over(m: RaplMeter, between) -> tuple[EnergyReport, list[str]]:
    """A Window on ``m`` around ``between()``: its report and the MeterWarnings raised meanwhile."""
    from wattprint.energy.window import Window

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w = Window(m, "step").start()
        between()
        report = w.stop()
    return report, [str(c.message) for c in caught if issubclass(c.category, MeterWarning)]


def test_window_whose_closing_read_fails_estimates_the_component(pc):
    pc.server(sockets=1, dram=True)
    m = meter(pc)

    def body():
        pc.set("intel-rapl:0", 1000 + 3_000_000)
        pc.set("intel-rapl:0:1", 2000 + 500_000)
        time.sleep(0.02)
        m.sample()  # a good read in the middle: 3 J counted so far
        pc.set("intel-rapl:0", "garbage")  # unreadable when the window closes

    r, warned = _window_over(m, body)
    cpu, dram = r.components
    assert not cpu.provenance.measured and cpu.provenance.method is Method.MODEL
    assert "NOT MEASURED in this window" in cpu.provenance.note
    assert "could not be read when the window closed" in cpu.provenance.note
    assert "intel-rapl:0/energy_uj" in cpu.provenance.note and "garbage" in cpu.provenance.note
    assert "mean power over" in cpu.provenance.note  # extrapolated from the read part, not the bare 3 J
    assert cpu.joules >= 3.0
    assert dram.provenance.measured and dram.joules == 0.5  # the other domain is untouched
    assert not r.all_measured and r.measured_joules == 0.5
    assert any("cpu:0 is NOT MEASURED" in w for w in warned)


def test_window_whose_opening_read_fails_is_not_measured(pc):
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10**12)
    m = meter(pc)
    pc.set("intel-rapl:0", 2_000_000)
    m.sample()
    pc.set("intel-rapl:0", "")  # unreadable when the window opens: the figure is 2 s old

    def body():
        pc.set("intel-rapl:0", 5_000_000)  # readable again by the close

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MeterWarning)
        r, warned = _window_over(m, body)
    [cpu] = r.components
    assert not cpu.provenance.measured
    assert "could not be read when the window opened" in cpu.provenance.note
    assert "window closed" not in cpu.provenance.note
    assert r.measured_joules == 0 and r.estimated_joules == cpu.joules


def test_counter_unreadable_for_the_whole_window_uses_the_mean_power_since_open(pc):
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10**12)
    m = meter(pc)
    time.sleep(0.05)
    pc.set("intel-rapl:0", 1_000_000)
    m.sample()
    mean_w = 1.0 / (m.domains[0].last_t - m.domains[0].opened_t)
    pc.set("intel-rapl:0", "x")
    r, warned = _window_over(m, lambda: time.sleep(0.02))
    [cpu] = r.components
    assert not cpu.provenance.measured
    assert "opened" in cpu.provenance.note and "closed" in cpu.provenance.note
    assert "mean power since the meter opened" in cpu.provenance.note
    assert cpu.joules == pytest.approx(mean_w * r.duration_s)


def test_transient_failure_inside_a_window_stays_measured(pc):
    pc.server(sockets=1, dram=True)
    m = meter(pc)

    def body():
        pc.set("intel-rapl:0", "garbage")
        m.sample()  # the poller meets the broken counter mid-window
        pc.set("intel-rapl:0", 1000 + 4_000_000)  # and it comes back before the close

    r, warned = _window_over(m, body)
    assert r.all_measured
    assert r.joules == {"cpu:0": 4.0, "dram:0": 0.0}
    assert [c.provenance for c in r.components] == [m.provenance("cpu:0"), m.provenance("dram:0")]
    assert m.domains[0].failed_reads == 1
    assert not any("NOT MEASURED" in w for w in warned)
    # and the next window, with good reads at both edges, is measured too
    assert _window_over(m, lambda: None)[0].all_measured


def test_counter_unread_longer_than_a_wrap_is_not_measured(pc):
    pc.add("intel-rapl:0", "package-0", 0, max_uj=50_000_000)  # 50 J: can wrap in 0.1 s at 500 W
    m = meter(pc)
    assert m.domains[0].fastest_wrap_s == pytest.approx(0.1)

    def body():
        pc.set("intel-rapl:0", "garbage")
        m.sample()
        time.sleep(0.15)  # unread for longer than a wrap can take
        pc.set("intel-rapl:0", 3_000_000)

    r, warned = _window_over(m, body)
    [cpu] = r.components
    assert not cpu.provenance.measured
    assert "went unread for" in cpu.provenance.note and "a wrap may be missing" in cpu.provenance.note
    assert "since the meter opened" in cpu.provenance.note  # the window's own reads may miss a wrap
    assert m.domains[0].gaps == 1


def test_an_interval_dropped_as_a_glitch_inside_a_window_is_not_measured(pc):
    """The dropped interval's energy is unknown: the window's figure is estimated, and says why."""
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10**12)
    m = meter(pc)
    time.sleep(0.02)
    pc.set("intel-rapl:0", 1_000_000)
    m.sample()  # 1 J of history: a mean power to estimate from

    def body():
        pc.set("intel-rapl:0", 1_000_000 + 10**11)  # 100 kJ at once: far above 5 kW
        m.sample()
        pc.set("intel-rapl:0", 1_000_000 + 10**11 + 2_000_000)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MeterWarning)
        r, warned = _window_over(m, body)
    [cpu] = r.components
    assert not cpu.provenance.measured and cpu.provenance.method is Method.MODEL
    assert "dropped as a glitch" in cpu.provenance.note and "energy unknown" in cpu.provenance.note
    assert "since the meter opened" in cpu.provenance.note  # the window's own reads lack the dropped part
    assert m.domains[0].dropped == 1
    # the next window, without a new glitch, is a measurement again (the earlier drop is not its)
    pc.set("intel-rapl:0", 1_000_000 + 10**11 + 5_000_000)
    again = _window_over(m, lambda: pc.set("intel-rapl:0", 1_000_000 + 10**11 + 8_000_000))[0]
    assert again.all_measured and again.joules == {"cpu:0": 3.0}


def test_estimate_extrapolates_the_covered_part_of_the_window():
    from wattprint.energy.types import CounterFault, Provenance
    from wattprint.energy.unread import estimate_unread, unread_reason

    counter = Provenance(source="rapl", method=Method.COUNTER, uncertainty_low=-0.05, uncertainty_high=0.05, note="z")
    end = CounterFault(stale="failed read of x", stale_s=0.5, mean_power_w=9.0)
    reason = unread_reason(None, end)
    assert reason == "its counter could not be read when the window closed (failed read of x)"
    e = estimate_unread("cpu:0", 3.0, 2.0, None, end, counter, reason)  # 3 J over the 1.5 s read -> 2 W x 2 s
    assert e.joules == pytest.approx(4.0)
    assert e.provenance.method is Method.MODEL and e.provenance.source == "rapl"
    assert (e.provenance.uncertainty_low, e.provenance.uncertainty_high) == (-0.5, 1.0)
    assert unread_reason(CounterFault(gaps=2, gap_note="g"), CounterFault(gaps=2, gap_note="g")) == ""
