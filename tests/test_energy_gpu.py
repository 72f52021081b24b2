"""NVML and AMD SMI meters against fake modules: counters, power integration, visible-device selection."""

from __future__ import annotations

import sys
import time

import pytest

from fakes_energy import FakeGpu, fake_amdsmi, fake_pynvml
from wattprint.energy import cuda, open_meters
from wattprint.energy.amd import AmdSmiMeter
from wattprint.energy.notices import MeterWarning
from wattprint.energy.nvml import NvmlMeter, NvmlUnavailable
from wattprint.energy.types import Method
from wattprint.energy.visible import match_devices, visible_entries
from wattprint.errors import WattprintError


@pytest.fixture
def gpus():
    return [
        FakeGpu("NVIDIA A100", "GPU-aaaa-1111", energy_mj=[1_000_000, 1_000_000, 1_250_500, 1_400_000]),
        FakeGpu("Tesla P100", "GPU-bbbb-2222", power_mw=[100_000, 100_000, 300_000, 200_000]),
        FakeGpu("NVIDIA H100", "GPU-cccc-3333", energy_mj=[0, 0, 10, 20]),
    ]


@pytest.fixture
def nv(monkeypatch, gpus):
    mod = fake_pynvml(gpus)
    monkeypatch.setitem(sys.modules, "pynvml", mod)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    return mod


def test_counter_gpu_exact_joules(nv, gpus):
    m = NvmlMeter(gpus=[0], start_poller=False)
    assert m.components() == ["gpu:0"]
    assert m.provenance("gpu:0").method is Method.COUNTER
    # open consumed probe (1_000_000) and base (1_000_000); reads then see 1_250_500 and 1_400_000 mJ
    assert m.read() == {"gpu:0": 250.5}
    assert m.read() == {"gpu:0": 400.0}
    m.close()
    assert nv.shutdowns == 1


def test_describe_names_each_device_its_method_and_the_selection(nv, gpus):
    m = NvmlMeter(gpus=[0, 1], start_poller=False)
    d = m.describe()
    assert d.detail == ("gpu:0: NVIDIA A100 (counter); gpu:1: Tesla P100 (power-integration); "
                        f"selection: {m.selection}") and m.selection
    assert d.method == "counter,power-integration" and d.scope == "whole device"
    m.close()


def test_power_only_gpu_is_integrated_with_trapezoid(nv, gpus, monkeypatch):
    clock = iter([100.0, 100.5, 101.5])  # open, sample, read
    monkeypatch.setattr("wattprint.energy.gpu._now", lambda: next(clock))
    m = NvmlMeter(gpus=[1], start_poller=False)
    p = m.provenance("gpu:1")
    assert p.method is Method.POWER_INTEGRATION and p.sampling_period_s == 0.1
    m.sample()  # 0.5 s, 100 W -> 300 W: 100 J
    assert m.read() == {"gpu:1": 100.0 + 0.5 * (300 + 200) * 1.0}  # + 250 J
    m.close()


def test_power_poller_runs_in_background(nv, gpus):
    m = NvmlMeter(gpus=[1], power_period_s=0.01)
    try:
        deadline = time.monotonic() + 5
        while gpus[1].power_calls < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gpus[1].power_calls >= 5
        assert m.read()["gpu:1"] > 0
    finally:
        m.close()


def test_default_selection_is_every_gpu_without_cuda_visible_devices(nv):
    m = NvmlMeter(start_poller=False)
    assert m.components() == ["gpu:0", "gpu:1", "gpu:2"]
    assert "unset" in m.selection
    m.close()


def test_cuda_visible_devices_indices(nv, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,0")
    m = NvmlMeter(start_poller=False)
    assert m.components() == ["gpu:2", "gpu:0"]
    assert "cuda:0 here" in m.provenance("gpu:2").note  # first visible device is cuda:0
    m.close()


def test_cuda_visible_devices_uuid_prefix(nv, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-cccc")
    m = NvmlMeter(start_poller=False)
    assert m.components() == ["gpu:2"]
    m.close()


def test_cuda_visible_devices_invalid_entry_hides_the_rest(nv, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,7,0")
    with pytest.warns(MeterWarning, match="'7'"):
        m = NvmlMeter(start_poller=False)
    assert m.components() == ["gpu:1"]
    m.close()


def test_empty_cuda_visible_devices_means_no_gpu(nv, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with pytest.raises(NvmlUnavailable, match="no NVIDIA GPU to meter"):
        NvmlMeter(start_poller=False)
    assert nv.shutdowns == 1


def test_gpus_all_overrides_visibility(nv, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    m = NvmlMeter(gpus="all", start_poller=False)
    assert len(m.components()) == 3
    m.close()


def test_explicit_bad_gpu_is_an_error(nv):
    with pytest.raises(WattprintError, match="no GPU matches '9'"):
        NvmlMeter(gpus=[9], start_poller=False)


def test_failed_read_keeps_last_value(nv, gpus):
    m = NvmlMeter(gpus=[0], start_poller=False)
    assert m.read() == {"gpu:0": 250.5}
    gpus[0].energy = None  # driver now fails
    with pytest.warns(MeterWarning, match="failed read"):
        assert m.read() == {"gpu:0": 250.5}
    m.close()


def test_nvml_absent(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml([], init_error=True))
    with pytest.raises(NvmlUnavailable) as ei:
        NvmlMeter()
    assert ei.value.reason == "absent" and "driver" in ei.value.hint


def test_auto_detect_adds_visible_gpus(nv, monkeypatch, tmp_path):
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "none"))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    ms = open_meters()
    try:
        assert ms.names == ["estimate", "nvml"]
        assert ms.components() == ["cpu", "ram", "gpu:0"]
    finally:
        ms.close()


def test_sync_only_when_torch_cuda_initialised(nv, monkeypatch):
    calls = []

    class FakeCuda:
        initialised = False

        def is_initialized(self):
            return self.initialised

        def device_count(self):
            return 2

        def synchronize(self, i):
            calls.append(i)

    fake_torch = type(sys)("torch")
    fake_torch.cuda = FakeCuda()
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    m = NvmlMeter(gpus=[0], start_poller=False)
    m.sync()
    assert calls == []
    fake_torch.cuda.initialised = True
    m.sync()
    assert calls == [0, 1]
    m.close()


def test_sync_never_imports_torch(monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert cuda.cuda_sync_if_initialised() is False
    assert "torch" not in sys.modules


def test_visible_entries_parsing():
    assert visible_entries(env={}) is None
    assert visible_entries(env={"CUDA_VISIBLE_DEVICES": "0, 2"}) == ["0", "2"]
    assert visible_entries(env={"CUDA_VISIBLE_DEVICES": "-1"}) == []
    assert visible_entries(env={"CUDA_VISIBLE_DEVICES": "1,x,2"}) == ["1"]
    assert visible_entries(env={"CUDA_VISIBLE_DEVICES": "GPU-ab,MIG-cd"}) == ["GPU-ab", "MIG-cd"]
    assert match_devices(["GPU-a"], [0, 1], ["GPU-a1", "GPU-a2"]) == ([], ["GPU-a"])  # ambiguous prefix


# -- AMD SMI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["energy_accumulator", "power"])
def test_amd_counter_exact(monkeypatch, key):
    g = FakeGpu("AMD Instinct MI250X", "amd-0", energy_mj=[1000, 1000, 1000 + 2_000_000])
    smi = fake_amdsmi([g], key=key, resolution_uj=15.25)
    monkeypatch.setitem(sys.modules, "amdsmi", smi)
    monkeypatch.delenv("HIP_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    m = AmdSmiMeter(start_poller=False)
    assert m.provenance("gpu:0").source == "amdsmi"
    assert m.provenance("gpu:0").method is Method.COUNTER
    assert m.read() == {"gpu:0": 2_000_000 * 15.25 / 1e6}  # 30.5 J
    m.close()
    assert smi.shutdowns == 1


def test_amd_power_fallback_skips_na(monkeypatch):
    g = FakeGpu("AMD Radeon", "amd-1", power_mw=[50_000, 50_000, 150_000])
    monkeypatch.setitem(sys.modules, "amdsmi", fake_amdsmi([g]))
    clock = iter([10.0, 12.0])
    monkeypatch.setattr("wattprint.energy.gpu._now", lambda: next(clock))
    monkeypatch.delenv("HIP_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    m = AmdSmiMeter(start_poller=False)
    assert m.provenance("gpu:0").method is Method.POWER_INTEGRATION
    assert m.read() == {"gpu:0": 0.5 * (50 + 150) * 2.0}
    m.close()


def test_amd_hip_visible_devices(monkeypatch):
    gs = [FakeGpu("A", f"amd-{i}", energy_mj=[0]) for i in range(3)]
    monkeypatch.setitem(sys.modules, "amdsmi", fake_amdsmi(gs))
    monkeypatch.setenv("HIP_VISIBLE_DEVICES", "1")
    m = AmdSmiMeter(start_poller=False)
    assert m.components() == ["gpu:1"]
    m.close()


# -- vendor libraries that fail at import or later (issue #12 item 5) --------------------------------


def _broken_vendor_dir(tmp_path, exc_source: str):
    """A folder to put first on sys.path holding ``amdsmi`` and ``pynvml`` packages whose import
    raises, as amdsmi does without ROCm (``KeyError: 'libamd_smi.so'``)."""
    d = tmp_path / "broken_vendor"
    for mod in ("amdsmi", "pynvml"):
        (d / mod).mkdir(parents=True)
        (d / mod / "__init__.py").write_text(f"raise {exc_source}\n")
    return d


@pytest.mark.parametrize("exc_source", ["KeyError('libamd_smi.so')", "OSError('libnvidia-ml.so.1: bad ELF')",
                                        "RuntimeError('boom')"])
def test_vendor_import_raising_anything_makes_the_meter_unavailable(monkeypatch, tmp_path, exc_source):
    d = _broken_vendor_dir(tmp_path, exc_source)
    monkeypatch.syspath_prepend(str(d))
    for mod in ("amdsmi", "pynvml"):
        monkeypatch.delitem(sys.modules, mod, raising=False)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "none"))
    exc_name = exc_source.split("(")[0]
    for name in ("amdsmi", "nvml"):
        with pytest.raises(WattprintError) as ei:
            open_meters([name])
        assert ei.value.reason == "unusable" and exc_name in ei.value.message
        assert "\n" not in ei.value.message and ei.value.hint
    with pytest.warns(MeterWarning, match=exc_name):
        ms = open_meters()
    try:
        assert ms.names == ["estimate"]
        assert any(f"amdsmi failed while importing ({exc_name}" in n for n in ms.notes)
    finally:
        ms.close()


def test_vendor_exception_after_init_makes_the_meter_unavailable(monkeypatch):
    mod = fake_pynvml([FakeGpu()])

    def count():
        raise KeyError("nvmlDeviceGetCount")

    mod.nvmlDeviceGetCount = count
    monkeypatch.setitem(sys.modules, "pynvml", mod)
    with pytest.raises(NvmlUnavailable) as ei:
        NvmlMeter()
    assert "pynvml failed while listing GPUs (KeyError" in ei.value.message
    assert mod.shutdowns == 1  # NVML is shut down again


@pytest.mark.slow
def test_meters_command_survives_a_broken_amdsmi(tmp_path):
    """The real CLI in a subprocess with an ``amdsmi`` that raises KeyError at import: no traceback."""
    import json
    import os
    import subprocess

    d = _broken_vendor_dir(tmp_path, "KeyError('libamd_smi.so')")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(d), os.environ.get("PYTHONPATH", "")]),
               WATTPRINT_POWERCAP_ROOT=str(tmp_path / "none"))
    out = subprocess.run([sys.executable, "-m", "wattprint", "meters", "--json"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)["meters"]}
    assert rows["amdsmi"]["available"] is False and "KeyError" in rows["amdsmi"]["detail"]


def test_a_gpu_read_that_fails_at_a_window_edge_is_estimated_not_measured(nv, gpus):
    """The driver fails the closing read: the window's figure would be the last good one, labelled measured."""
    import warnings

    from wattprint.energy.window import Window

    gpus[0].energy = [1_000_000, 1_000_000, 1_100_000, 1_200_000]
    m = NvmlMeter(gpus=[0], start_poller=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w = Window(m, "step").start()  # reads 100 J
        m.read()  # 200 J: a good read inside the window
        time.sleep(0.01)
        gpus[0].energy = None  # the driver fails from now on: the closing read too
        r = w.stop()
    [gpu] = r.components
    assert not gpu.provenance.measured and gpu.provenance.method is Method.MODEL
    assert gpu.provenance.source == "nvml" and "NOT MEASURED in this window" in gpu.provenance.note
    assert "could not be read when the window closed" in gpu.provenance.note
    assert "nvml read of gpu:0 failed" in gpu.provenance.note
    assert gpu.joules >= 100.0  # never less than what the counter counted inside the window
    assert any("gpu:0 is NOT MEASURED" in str(c.message) for c in caught)
    m.close()


def test_a_gpu_read_that_fails_only_inside_a_window_stays_measured(nv, gpus):
    from wattprint.energy.window import Window

    m = NvmlMeter(gpus=[0], start_poller=False)
    w = Window(m, "step").start()  # 250.5 J
    saved, gpus[0].energy = gpus[0].energy, None
    with pytest.warns(MeterWarning, match="failed read"):
        m.read()
    gpus[0].energy = saved  # back before the close: 400 J
    r = w.stop()
    assert r.all_measured and r.joules == {"gpu:0": 149.5}
    m.close()
