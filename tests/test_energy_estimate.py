"""The estimation meter and its CPU power table: exact model arithmetic and real process-tree CPU time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wattprint.energy import cpu_power
from wattprint.energy import estimate as est
from wattprint.energy.estimate import RAM_W_PER_GIB, EstimateMeter
from wattprint.energy.types import Method
from wattprint.errors import WattprintError

GIB = 1 << 30


class Script:
    """Scripted (cpu seconds, rss bytes) tree stats and clock."""

    def __init__(self, monkeypatch, stats, times):
        self.stats = list(stats)
        self.times = list(times)
        monkeypatch.setattr(est, "tree_stats", self._stats)
        monkeypatch.setattr(est, "_now", lambda: self.times.pop(0))

    def _stats(self, proc, cpu=True, rss=True):
        return self.stats.pop(0)


def test_cpu_energy_is_cpu_seconds_times_power_per_thread(monkeypatch):
    Script(monkeypatch, [(10.0, 0), (12.5, 0)], [0.0, 1.0])
    m = EstimateMeter(("cpu",), cpu_w_per_thread=4.0, start_poller=False)
    assert m.read() == {"cpu": 10.0}  # 2.5 CPU-s x 4 W


def test_ram_energy_is_integrated_rss_times_w_per_gib(monkeypatch):
    # open at t=0 with 2 GiB; sample at t=4 with 2 GiB; read at t=10 with 4 GiB
    Script(monkeypatch, [(0.0, 2 * GIB), (0.0, 2 * GIB), (0.0, 4 * GIB)], [0.0, 4.0, 10.0])
    m = EstimateMeter(("ram",), start_poller=False)
    m.sample()
    gib_s = 2 * 4 + 0.5 * (2 + 4) * 6  # 26 GiB.s
    assert m.read() == {"ram": gib_s * RAM_W_PER_GIB}


def test_process_leaving_the_tree_keeps_its_cpu_time(monkeypatch):
    # 10 at open, 15, then a daemonised child with 3 s leaves (12), then 14
    Script(monkeypatch, [(10.0, 0), (15.0, 0), (12.0, 0), (14.0, 0)], [0.0, 1.0, 2.0, 3.0])
    m = EstimateMeter(("cpu",), cpu_w_per_thread=1.0, start_poller=False)
    m.sample()
    m.sample()
    assert m.read() == {"cpu": 7.0}  # 14 + 3 lost - 10


def test_transient_dip_is_not_counted_as_lost(monkeypatch):
    # 10, 15, then 12 (a child reaped between reading parent and child), then 16: nothing lost
    Script(monkeypatch, [(10.0, 0), (15.0, 0), (12.0, 0), (16.0, 0)], [0.0, 1.0, 2.0, 3.0])
    m = EstimateMeter(("cpu",), cpu_w_per_thread=1.0, start_poller=False)
    m.sample()
    m.sample()
    assert m.read() == {"cpu": 6.0}


def test_provenance_says_model_with_wide_range():
    m = EstimateMeter(start_poller=False)
    for c in ("cpu", "ram"):
        p = m.provenance(c)
        assert p.method is Method.MODEL and p.source == "estimate" and not p.measured
        assert p.uncertainty_low <= -0.5 and p.uncertainty_high >= 1.0
        assert "process tree" in p.note
    assert "W/GiB" in m.provenance("ram").note and "RSS" in m.provenance("ram").note
    assert "W per logical CPU" in m.provenance("cpu").note
    assert m.provenance("ram").uncertainty_high == pytest.approx(0.375 / RAM_W_PER_GIB - 1)
    with pytest.raises(WattprintError):
        m.provenance("gpu:0")
    m.close()


def test_bad_components_and_pid():
    with pytest.raises(WattprintError, match="no component"):
        EstimateMeter(("cpu", "disk"))
    with pytest.raises(WattprintError, match="no process"):
        EstimateMeter(pid=2**22 + 12345)


def test_counts_cpu_time_of_a_finished_child():
    m = EstimateMeter(("cpu",), cpu_w_per_thread=1.0, start_poller=False)
    code = "import time\nt=time.process_time()\nwhile time.process_time()-t<0.4: pass"
    subprocess.run([sys.executable, "-c", code], check=True)
    # the child's 0.4 s of CPU (plus interpreter start-up) is counted, through children_user/system
    assert 0.4 <= m.read()["cpu"] < 1.5


def test_live_child_is_not_double_counted_after_it_is_reaped():
    m = EstimateMeter(("cpu",), cpu_w_per_thread=1.0, start_poller=False)
    code = (
        "import sys, time\nt=time.process_time()\nwhile time.process_time()-t<0.5: pass\n"
        "print('busy done', flush=True)\nsys.stdin.read()"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "busy done"
    while_alive = m.cpu_seconds()  # the child is live: counted through the tree walk
    child.communicate("")
    after = m.cpu_seconds()  # now reaped: counted through children_user/system only
    assert while_alive >= 0.5
    assert while_alive <= after < while_alive + 0.3  # double counting would add another >= 0.5 s


def test_real_rss_poller_accumulates():
    m = EstimateMeter(("ram",), ram_period_s=0.02)
    import time

    time.sleep(0.2)
    r = m.read()["ram"]
    m.close()
    rss_gib = est.tree_rss_bytes(m._proc) / GIB
    # 0.2 s of this process's RSS at 0.156 W/GiB, within a factor 2
    assert 0.5 * rss_gib * 0.2 * RAM_W_PER_GIB < r < 2 * rss_gib * 0.3 * RAM_W_PER_GIB


# -- the TDP table ---------------------------------------------------------------------------------------


def test_table_rows_are_sane():
    for row in cpu_power.CPU_TABLE:
        assert 1.0 < row.w_per_thread < 10.0, row
        assert row.cores <= row.threads <= 2 * row.cores, row  # hybrid parts sit in between


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AMD EPYC 7763 64-Core Processor", 280 / 128),
        ("Intel(R) Xeon(R) Platinum 8480+", 350 / 112),
        ("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 270 / 80),
        ("12th Gen Intel(R) Core(TM) i9-12900K", 125 / 24),
    ],
)
def test_exact_models(name, expected):
    choice = cpu_power.choose_cpu_power(name)
    assert choice.w_per_thread == expected
    assert "TDP" in choice.basis


def test_family_fallback_and_default():
    epyc = cpu_power.choose_cpu_power("AMD EPYC")
    assert epyc.w_per_thread == cpu_power.FAMILY_W_PER_THREAD["EPYC"]
    assert "family" in epyc.basis
    ryzen = cpu_power.choose_cpu_power("AMD Ryzen 9 3900X 12-Core Processor")  # "12-Core" is not Intel Core
    assert ryzen.w_per_thread == cpu_power.FAMILY_W_PER_THREAD["Ryzen"]
    unknown = cpu_power.choose_cpu_power("Apple M2")
    assert unknown.w_per_thread == cpu_power.DEFAULT_W_PER_THREAD
    assert "unknown CPU" in unknown.basis
    values = sorted(r.w_per_thread for r in cpu_power.CPU_TABLE)
    assert values[0] <= cpu_power.DEFAULT_W_PER_THREAD <= values[-1]


def test_meter_uses_the_table(monkeypatch):
    m = EstimateMeter(("cpu",), cpu_model="AMD EPYC 7763 64-Core Processor", start_poller=False)
    assert m.cpu_choice.w_per_thread == 280 / 128
    assert "EPYC 7763" in m.provenance("cpu").note
