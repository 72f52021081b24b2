"""The GPU validation pack (benchmarks/gpu_validation.py): its CPU path on this machine, and step isolation
against a fake NVML whose GPU disappears mid-run (as the energy tests fake NVML)."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

from fakes_energy import FakeGpu, FakeNvmlError, fake_pynvml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gv():
    spec = importlib.util.spec_from_file_location("gpu_validation", ROOT / "benchmarks" / "gpu_validation.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gpu_validation"] = mod
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("gpu_validation", None)


class TimedGpu(FakeGpu):
    """A GPU drawing ``watts`` constantly: the counter (mJ) follows the clock; it can vanish at ``lost_at``."""

    def __init__(self, watts: float = 100.0, lost_at: float | None = None, **kw):
        super().__init__(energy_mj=[0], power_mw=[0], **kw)
        self.watts, self.lost_at, self.t0 = watts, lost_at, time.perf_counter()

    def _alive(self) -> None:
        if self.lost_at is not None and time.perf_counter() - self.t0 > self.lost_at:
            raise FakeNvmlError("GPU is lost")

    def next_energy(self) -> int:
        self._alive()
        return int((time.perf_counter() - self.t0) * self.watts * 1000)

    def next_power(self) -> int:
        self._alive()
        return int(self.watts * 1000)


def fake_ctx(gv, gpus, monkeypatch):
    nv = fake_pynvml(gpus)
    monkeypatch.setitem(sys.modules, "pynvml", nv)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    return gv.Context(nvml=nv, cuda=True, gpu_index=0, quick=True, load=lambda level, s: time.sleep(0.2) or 1,
                      async_burst=lambda n: None, sync=lambda: None)


def test_cpu_path_runs_here_skips_gpu_steps_with_reasons_and_exits_0(gv, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml([], init_error=True))  # no driver, as on CI
    code = gv.main(["--out", str(tmp_path), "--quick"])
    assert code == 0
    doc = json.loads((tmp_path / "gpu_validation.json").read_text())
    status = {s["name"]: s["status"] for s in doc["steps"]}
    assert status == {"meters": "ok", "counter_vs_integration": "skipped", "idle": "skipped", "sync": "skipped",
                      "study_tasks": "skipped", "overhead": "ok"}
    assert all("no NVML" in s["reason"] for s in doc["steps"] if s["status"] == "skipped")
    overhead = next(s for s in doc["steps"] if s["name"] == "overhead")["data"]
    assert overhead["window_latency_us_cpu_meters"] > 0 and overhead["gpu"].startswith("skipped")
    md = (tmp_path / "gpu_validation.md").read_text()
    assert "**Missing steps**" in md and "2. Counter vs power integration: skipped" in md


def test_healthy_fake_gpu_counter_matches_integration(gv, tmp_path, monkeypatch):
    ctx = fake_ctx(gv, [TimedGpu(100.0, uuid="GPU-a"), TimedGpu(30.0, uuid="GPU-b")], monkeypatch)
    monkeypatch.setattr(gv, "IDLE_S", 1.0)
    doc = gv.run_pack(ctx, only=["meters", "counter_vs_integration", "idle", "sync"])
    steps = {s["name"]: s for s in doc["steps"]}
    assert [steps[n]["status"] for n in ("meters", "counter_vs_integration", "idle", "sync")] == ["ok"] * 4, doc
    cvi = steps["counter_vs_integration"]["data"]
    for level in cvi["levels"].values():  # 100 W drawn: both paths agree, and say 100 W
        assert level["ratio_integrated_to_counter"] == pytest.approx(1.0, abs=0.02)
        assert level["mean_power_w"] == pytest.approx(100.0, rel=0.02)
    assert cvi["within_2pct"] is True
    idle = steps["idle"]["data"]
    assert idle["idle_power_w"]["gpu:1"] == pytest.approx(30.0, rel=0.05)
    assert idle["visibility"]["only_visible_counted"] is True  # CUDA_VISIBLE_DEVICES=0 -> only gpu:0
    assert steps["meters"]["data"]["gpus"][0]["energy_counter"] is True
    assert "5. The study's tasks on the GPU: missing (not selected" in " ".join(doc["missing_steps"])


def test_gpu_that_disappears_fails_its_steps_and_the_others_still_run(gv, tmp_path, monkeypatch):
    lost = TimedGpu(100.0, lost_at=0.3, uuid="GPU-a")
    ctx = fake_ctx(gv, [lost], monkeypatch)
    steps = ["meters", "counter_vs_integration", "idle", "sync", "overhead"]
    code = gv.main(["--out", str(tmp_path), "--quick", "--steps", ",".join(steps)], ctx=ctx)
    assert code == 1  # a step failed
    doc = json.loads((tmp_path / "gpu_validation.json").read_text())
    status = {s["name"]: s for s in doc["steps"]}
    assert status["meters"]["status"] == "ok"
    assert status["counter_vs_integration"]["status"] == "failed"
    assert "GPU is lost" in status["counter_vs_integration"]["error"] or \
        "NVML reads failed" in status["counter_vs_integration"]["error"]
    # the later steps still ran (and, the GPU being gone, failed or recorded the CPU part)
    assert status["overhead"]["status"] in ("ok", "failed") and status["overhead"]["seconds"] >= 0
    assert status["overhead"]["status"] == "failed" or "window_latency_us_cpu_meters" in status["overhead"]["data"]
    md = (tmp_path / "gpu_validation.md").read_text()
    assert "2. Counter vs power integration: failed" in md and "5. The study's tasks on the GPU: missing" in md


def test_bad_out_or_budget_is_refused_before_measuring(gv, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    ok_out = ["--out", str(tmp_path / "o")]
    for argv, message in ((["--out", str(afile)], "cannot write there"),
                          (["--out", str(afile / "sub")], "cannot write there"),
                          (["--budget-s", "-1", *ok_out], "positive number of seconds"),
                          (["--budget-s", "nan", *ok_out], "positive number of seconds")):
        with pytest.raises(SystemExit) as exc:
            gv.main(argv, ctx=object())  # a context that would fail at once if any step ran
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
