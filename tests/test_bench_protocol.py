"""The protocol, in process, with a ledger meter: exact joules per window, phases kept apart."""

from __future__ import annotations

import pytest

from fakes_bench import (
    INFER_J_PER_ITEM,
    LOAD_J,
    PREFILL_J_PER_ITEM,
    PREPROCESS_J_PER_ITEM,
    ClockMeter,
    LedgerMeter,
    reset_ledger,
)
from wattprint.bench.runner import execute
from wattprint.results.schema import J_PER_WH, RunConfig, RunResult


@pytest.fixture(autouse=True)
def _fresh_ledger():
    reset_ledger()
    yield
    reset_ledger()


def cfg(**kw) -> RunConfig:
    base = dict(task="fake-task", model="arch:fake-tiny", n=10, repeats=3, warmup=2, idle_s=0.0)
    base.update(kw)
    return RunConfig(**base)


def test_exact_joules_per_window_and_phases_kept_apart():
    meter = LedgerMeter()
    events: list[dict] = []
    r = execute(cfg(), meterset=meter, on_event=events.append)
    assert r.status == "ok", r.error
    # the query window holds only the 10 infer calls: 2 J each on cpu, 0.2 J on ram;
    # warm-up, pre-processing, post-processing and counting are all outside it
    assert len(r.repeats) == 3
    for i, rep in enumerate(r.repeats):
        assert rep.index == i
        assert rep.inferences == 10
        assert rep.energy.joules == pytest.approx({"cpu": 10 * INFER_J_PER_ITEM, "ram": INFER_J_PER_ITEM})
        assert rep.counts == {"input_tokens": 30, "output_tokens": 20}
        assert rep.prefill is None
    assert r.load.joules["cpu"] == pytest.approx(LOAD_J)
    assert r.preprocess.joules["cpu"] == pytest.approx(10 * PREPROCESS_J_PER_ITEM)
    # summary: 22 J per 10 inferences -> Wh per 1,000
    assert r.summary.wh_per_1k_mean == pytest.approx(22 / J_PER_WH / 10 * 1000)
    assert r.summary.wh_per_1k_std == pytest.approx(0.0)
    # cpu measured (counter), ram estimated: 20 of 22 J measured
    assert r.summary.measured_share == pytest.approx(20 / 22)
    assert r.summary.wh_per_output_token == pytest.approx(66 / J_PER_WH / 60)
    # carbon attached (default: explicit world average), environment recorded
    assert r.carbon is not None and r.carbon.intensity_g_per_kwh > 0
    assert r.g_co2e_per_1k == pytest.approx(r.carbon.grams(r.summary.wh_per_1k_mean))
    assert r.environment.isolation == "process"
    assert [m.name for m in r.environment.meters] == ["fake"]
    assert r.model_info.random_weights and r.model_info.source == "arch"
    assert r.dataset_info.n_items == 10 and r.dataset_info.source == "synthetic"
    assert r.sample_outputs == ["ITEM 0", "ITEM 1", "ITEM 2"]
    assert r.phase is None and r.failure is None and r.extra == {}
    assert r.quality == [] and "no quality metric" in r.quality_note
    phases = [e["phase"] for e in events if e["event"] == "phase"]
    assert phases == ["load", "inputs", "preprocess", "warmup", "repeat", "repeat", "repeat", "summary"]
    assert events[-1] == {"event": "done", "status": "ok", "error": None}
    # the JSON document round-trips
    assert RunResult.model_validate_json(r.model_dump_json()).summary == r.summary


def test_batches_cover_exactly_n_inferences():
    r = execute(cfg(n=10, batch_size=4, repeats=2), meterset=LedgerMeter())
    assert r.status == "ok", r.error
    assert [rep.inferences for rep in r.repeats] == [10, 10]
    assert r.repeats[0].energy.joules["cpu"] == pytest.approx(10 * INFER_J_PER_ITEM)


def test_short_dataset_is_cycled_to_n_and_said_so():
    r = execute(cfg(n=7, task_options={"available": 3}), meterset=LedgerMeter())
    assert r.status == "ok", r.error
    assert r.dataset_info.n_items == 3
    assert r.repeats[0].inferences == 7
    assert r.dataset_info.cycled


def test_generation_prefill_in_its_own_window():
    r = execute(cfg(task="fake-gen", repeats=2), meterset=LedgerMeter())
    assert r.status == "ok", r.error
    for rep in r.repeats:
        assert rep.energy.joules["cpu"] == pytest.approx(10 * INFER_J_PER_ITEM)
        assert rep.prefill.joules["cpu"] == pytest.approx(10 * PREFILL_J_PER_ITEM)
    s = r.summary
    prefill_k = 5.5 / J_PER_WH / 10 * 1000
    assert s.prefill_wh_per_1k == pytest.approx(prefill_k)
    assert s.decode_wh_per_1k == pytest.approx(22 / J_PER_WH / 10 * 1000 - prefill_k)


def test_preprocess_and_postprocess_time_fall_outside_the_query_window():
    # a 10 W clock meter: energy is proportional to time spent inside a window
    meter = ClockMeter(10.0)
    opts = {"sleep_preprocess_s": 0.3, "sleep_postprocess_s": 0.05, "sleep_infer_s": 0.002}
    r = execute(cfg(n=4, repeats=2, warmup=0, task_options=opts), meterset=meter)
    assert r.status == "ok", r.error
    assert r.preprocess.duration_s >= 0.3
    assert r.preprocess.joules["cpu"] >= 3.0
    for rep in r.repeats:
        # 4 x 2 ms of inference; the 4 x 50 ms of post-processing would add >= 2 J
        assert rep.energy.duration_s < 0.15
        assert rep.energy.joules["cpu"] < 1.5
        assert rep.energy.joules["cpu"] == pytest.approx(10.0 * rep.energy.duration_s, rel=0.05, abs=0.01)
    assert all(0 < rep.infer_s <= rep.energy.duration_s for rep in r.repeats)


def test_idle_baseline_is_attached_to_every_report():
    meter = ClockMeter(10.0)
    r = execute(cfg(n=3, repeats=2, warmup=0, idle_s=0.3), meterset=meter)
    assert r.status == "ok", r.error
    assert r.idle_power_w["cpu"] == pytest.approx(10.0, rel=0.1)
    for rep in [*r.repeats]:
        assert rep.energy.idle_power_w == r.idle_power_w
    assert r.load.idle_power_w == r.idle_power_w
    # a meter at constant power: everything in the window is idle power
    assert r.summary.idle_share == pytest.approx(1.0, abs=0.15)
    assert r.summary.net_wh_per_1k_mean is not None and r.summary.net_wh_per_1k_mean >= 0


def test_region_sets_the_carbon_factor():
    r = execute(cfg(n=2, repeats=1, region="FR", pue=1.2), meterset=LedgerMeter())
    assert r.status == "ok", r.error
    assert r.carbon.region.upper().startswith("FR")
    assert r.carbon.pue == 1.2


@pytest.mark.parametrize(
    ("changes", "reason", "phase"),
    [
        ({"task": "no-such-task"}, "unknown task 'no-such-task'", "setup"),
        ({"model": "arch:nope"}, "unknown model 'arch:nope'", "load"),
        ({"task_options": {"fail_in": "inputs", "error": "column"}}, "column 'nope' not in dataset", "inputs"),
        ({"task_options": {"fail_in": "infer", "error": "oom"}}, "out of memory (OutOfMemoryError", "warmup"),
        ({"task_options": {"fail_in": "preprocess", "error": "memory"}}, "out of memory (MemoryError)", "preprocess"),
        ({"task_options": {"fail_in": "load", "error": "runtime"}}, "RuntimeError: synthetic failure second line",
         "load"),
        pytest.param({"device": "cuda"}, "no CUDA GPU is available", "setup",
                     marks=pytest.mark.ci_may_skip("checks the no-GPU path: skips on a machine with a GPU")),
    ],
)
def test_failures_become_failed_results_with_one_line_reason(changes, reason, phase):
    pytest.importorskip("torch")
    import torch

    if changes.get("device") == "cuda" and torch.cuda.is_available():
        pytest.skip("a GPU is present")
    events: list[dict] = []
    r = execute(cfg(**changes), meterset=LedgerMeter(), on_event=events.append)
    assert r.status == "failed"
    assert r.error.startswith(reason) or reason in r.error
    assert "\n" not in r.error
    assert r.failure.hint and r.failure.error_type
    assert r.phase == phase
    assert r.summary is None
    assert events[-1]["status"] == "failed"
    if phase in ("preprocess", "warmup", "inputs"):
        assert r.load is not None  # what was measured before the failure is kept
    RunResult.model_validate_json(r.model_dump_json())


def test_own_meters_are_closed(monkeypatch):
    import wattprint.energy as energy

    opened: list[LedgerMeter] = []

    def fake_open(names=None):
        m = LedgerMeter()
        opened.append(m)
        return m

    monkeypatch.setattr(energy, "open_meters", fake_open)
    r = execute(cfg(n=2, repeats=1))
    assert r.status == "ok", r.error
    assert opened and opened[0].closed
