"""Serving: server lifecycle, server-scoped metering, SLO, prefill/decode fit, per-level counting."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import psutil
import pytest

from fakes_energy import ScriptedMeter
from fakes_serving import fake_server_cmd, free_port
from wattprint.energy.meterset import MeterSet
from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
from wattprint.errors import WattprintError
from wattprint.results.serving import Estimate, LevelResult, Percentiles
from wattprint.serving.figures import repeat_figures
from wattprint.serving.fit import fit_energy
from wattprint.serving.loadgen import Level, LoadGenerator, WindowPolicy
from wattprint.serving.metering import GeneratorShareOut, gpu_selection
from wattprint.serving.prompts import PromptSource
from wattprint.serving.protocol import ServePlan, run_levels
from wattprint.serving.records import LevelLoad, RequestRecord
from wattprint.serving.server import check_local, launch, listening_note, wait_healthy
from wattprint.serving.slo import apply_slo, parse_slo


def _cmd(port: int, *args: str) -> str:
    return " ".join(fake_server_cmd(port, *args))


# -- lifecycle ---------------------------------------------------------------------------
def test_launch_wait_and_stop_leave_no_process(tmp_path):
    port = free_port()
    server = launch(_cmd(port), tmp_path)
    waited = wait_healthy(f"http://127.0.0.1:{port}", server, 20)
    assert waited < 20 and server.alive() == ""
    assert os.getpgid(server.pid) == server.pid  # its own process group
    server.stop(grace_s=5)
    assert not psutil.pid_exists(server.pid) or psutil.Process(server.pid).status() == psutil.STATUS_ZOMBIE


def test_a_pid_that_does_not_listen_on_the_port_is_noted(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = launch(_cmd(port), tmp_path)
    try:
        wait_healthy(url, server, 20)
        assert listening_note(server.pid, url) is None  # the server itself holds the socket
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:  # --server-pid of another process: it was metered silently
            note = listening_note(other.pid, url)
        finally:
            other.kill()
            other.wait()
        assert note is not None and f"do not listen on port {port}" in note and url in note
    finally:
        server.stop(grace_s=5)


def test_server_that_exits_before_ready_reports_code_and_log_tail(tmp_path):
    server = launch("python3 -c \"import sys; print('boom: no model here'); sys.exit(4)\"", tmp_path)
    with pytest.raises(WattprintError) as e:
        wait_healthy(f"http://127.0.0.1:{free_port()}", server, 20)
    assert "exited with code 4" in e.value.message and "boom: no model here" in e.value.hint


def test_health_timeout_stops_the_server(tmp_path):
    port = free_port()
    server = launch(_cmd(port, "--startup-s", "30"), tmp_path)
    t0 = time.monotonic()
    with pytest.raises(WattprintError, match="not ready after 1 s"):
        wait_healthy(f"http://127.0.0.1:{port}", server, 1)
    assert time.monotonic() - t0 < 15
    assert server.proc.poll() is not None  # stopped, not left behind


def test_health_timeout_names_the_port_the_server_listens_on(tmp_path):
    port, wrong = free_port(), free_port()
    server = launch(_cmd(port), tmp_path)
    with pytest.raises(WattprintError) as info:  # --url on another port than the server's: waited, then 'raise it'
        wait_healthy(f"http://127.0.0.1:{wrong}", server, 2)
    assert info.value.hint.startswith(f"the server listens on port {port}, not {wrong}: check --url")
    assert server.proc.poll() is not None
    with pytest.raises(WattprintError) as info:
        wait_healthy(f"http://127.0.0.1:{port}", launch(_cmd(port, "--startup-s", "30"), tmp_path), 1)
    assert info.value.hint.startswith("raise --ready-timeout")  # nothing listening yet: still loading


def test_unknown_launch_command_is_one_line_error(tmp_path):
    with pytest.raises(WattprintError, match="cannot start server"):
        launch("no-such-server-binary-xyz --port 1", tmp_path)


def test_remote_endpoint_is_refused():
    check_local("http://127.0.0.1:8000")
    check_local("http://localhost:8000")
    with pytest.raises(WattprintError, match="another machine"):
        check_local("http://192.0.2.10:8000")  # TEST-NET-1: never this machine


def test_server_dying_mid_level_fails_that_level_and_keeps_finished_ones(tmp_path):
    port = free_port()
    server = launch(_cmd(port, "--die-after", "40", "--ttft-ms", "20"), tmp_path)  # level 1 needs ~25
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, 20)
        gen = LoadGenerator(url, prompts=PromptSource(input_tokens=4, output_tokens=2))
        from wattprint.results.serving import ServingResult

        result = ServingResult(endpoint=url)
        asyncio.run(gen.probe())
        meters = MeterSet([ScriptedMeter([{"cpu": float(i)} for i in range(1000)], method=Method.MODEL)])
        plan = ServePlan([Level("concurrency", 2)] * 6, repeats=1,
                         policy=WindowPolicy(min_window_s=0.2, min_requests=5, max_level_s=20))
        saved = []
        run_levels(gen, meters, server, plan, result, on_level=lambda r: saved.append(len(r.levels)))
    finally:
        server.stop()
    assert saved[0] == 1 and result.levels[0].status == "ok"
    failed = [lv for lv in result.levels if lv.status == "failed"]
    assert len(failed) == 1 and "exited with code 3" in failed[0].error
    assert "fake server: dying after 40 requests" in failed[0].log_tail
    assert result.levels[-1] is failed[0] and len(result.levels) < 6  # the run stopped at the dead server
    assert result.status == "failed" and "exited with code 3" in result.error


# -- metering ----------------------------------------------------------------------------
def test_generator_share_is_taken_out_of_rapl_and_labelled():
    rapl = ScriptedMeter([{"package-0": 0.0}, {"package-0": 100.0}, {"package-0": 300.0}], name="rapl")
    own = iter([0.0, 1.0, 1.0])  # generator CPU seconds
    busy = iter([0.0, 4.0, 8.0])  # machine busy CPU seconds
    m = GeneratorShareOut(rapl, own_cpu=lambda: next(own), machine_busy=lambda: next(busy))
    assert m.read() == {"package-0": 75.0}  # 100 J, generator used 1 of 4 busy CPU seconds
    assert m.read() == {"package-0": 275.0}  # +200 J, generator idle
    assert m.share == pytest.approx(25 / 300)
    p = m.provenance("package-0")
    assert p.source == "rapl-minus-loadgen" and "load generator's share removed" in p.note
    assert p.uncertainty_low == pytest.approx(-0.15) and p.uncertainty_high == pytest.approx(0.25)


def test_generator_share_passes_a_failed_rapl_read_on_to_the_window(tmp_path):
    from fakes_energy import FakePowercap
    from wattprint.energy.rapl import RaplMeter
    from wattprint.energy.window import Window

    pc = FakePowercap(tmp_path / "pc")
    pc.add("intel-rapl:0", "package-0", 0, max_uj=10**12)
    rapl = RaplMeter(pc.root, start_poller=False)
    m = GeneratorShareOut(rapl, own_cpu=lambda: 0.0, machine_busy=lambda: 0.0)
    w = Window(m, "level").start()
    pc.set("intel-rapl:0", "garbage")
    with pytest.warns(Warning, match="NOT MEASURED"):
        [cpu] = w.stop().components
    assert not cpu.provenance.measured and "window closed" in cpu.provenance.note


def test_gpu_selection_follows_the_server():
    assert gpu_selection(["1"], {"CUDA_VISIBLE_DEVICES": "0"}) == (["1"], "--gpus 1")
    sel, why = gpu_selection(None, {"CUDA_VISIBLE_DEVICES": "2,3"})
    assert sel == ["2", "3"] and "server's CUDA_VISIBLE_DEVICES=2,3" in why
    assert gpu_selection(None, {})[0] == "all"


# -- counting inside the window ----------------------------------------------------------
def _energy(j: float, s: float) -> EnergyReport:
    prov = Provenance(source="estimate", method=Method.MODEL, uncertainty_low=-0.5, uncertainty_high=1.0)
    return EnergyReport(duration_s=s, components=[ComponentEnergy(component="cpu", joules=j, provenance=prov)])


def test_window_counts_requests_by_completion_and_tokens_by_arrival():
    load = LevelLoad("concurrency", 2, issue_start=0.0, window_start=10.0, window_end=20.0)
    load.records = [
        # ramp-up request: done before the window, tokens before it
        RequestRecord(start=0, end=9, ok=True, first_token=1, chunk_times=[1, 5, 9], input_tokens=7,
                      output_tokens=3),
        # straddles the window start: 2 of 4 chunks inside, completed inside
        RequestRecord(start=8, end=12, ok=True, first_token=9, chunk_times=[9, 9.5, 11, 12], input_tokens=5,
                      output_tokens=8),
        # wholly inside
        RequestRecord(start=12, end=15, ok=True, first_token=13, chunk_times=[13, 14, 15], input_tokens=6,
                      output_tokens=3),
        # an error inside: counted apart
        RequestRecord(start=15, end=16, ok=False, status=500, error="HTTP 500"),
        # straddles the end: first token inside, completes after
        RequestRecord(start=18, end=25, ok=True, first_token=19, chunk_times=[19, 22], input_tokens=4,
                      output_tokens=2),
    ]
    rep = repeat_figures(0, load, _energy(50.0, 10.0))
    assert rep.requests == 2 and rep.errors == 1
    assert rep.output_tokens == pytest.approx(2 * 2 + 3 + 1)  # 2 chunks x 2 tokens, 3, 1
    assert rep.input_tokens == 6 + 4
    assert rep.j_per_request == 25.0 and rep.j_per_output_token == pytest.approx(50 / 8)


# -- SLO ---------------------------------------------------------------------------------
def _level(label: str, jpr: float, ttft90: float, itl90: float) -> LevelResult:
    return LevelResult(kind="concurrency", value=1, label=label, j_per_request=Estimate(mean=jpr, low=jpr,
                       high=jpr, n=1), ttft_s=Percentiles(p90=ttft90), itl_s=Percentiles(p90=itl90))


def test_slo_names_the_cheapest_level_that_meets_it():
    terms = parse_slo("ttft_p90<=500ms, itl_p90<0.05s")
    assert [(t.metric, t.stat, t.limit_s) for t in terms] == [("ttft", "p90", 0.5), ("itl", "p90", 0.05)]
    levels = [_level("c=1", 10.0, 0.1, 0.01), _level("c=8", 3.0, 0.4, 0.04), _level("c=64", 1.0, 2.0, 0.09)]
    v = apply_slo(terms, levels)
    assert v.best == "c=8" and [lv.slo_met for lv in levels] == [True, True, False]
    assert levels[2].slo_misses == ["ttft_p90<=500ms", "itl_p90<0.05s"]


def test_slo_none_met_names_the_nearest():
    levels = [_level("c=1", 10.0, 0.6, 0.01), _level("c=8", 3.0, 2.0, 0.04)]
    v = apply_slo(parse_slo("ttft_p90<=500ms"), levels)
    assert v.best is None and "nearest: c=1" in v.note and "1.20x" in v.note


@pytest.mark.parametrize("bad", ["ttft_p95<=1s", "foo<=3ms", "itl_p90>=5ms", "ttft_p90<=fast", "tpot<=1s"])
def test_bad_slo_term_is_named(bad):
    with pytest.raises(WattprintError) as e:
        parse_slo(f"ttft_p50<=1s,{bad}")
    assert repr(bad) in e.value.message


# -- prefill/decode fit ------------------------------------------------------------------
def test_fit_recovers_known_coefficients_with_intervals():
    import numpy as np

    rng = np.random.default_rng(0)
    rows = []
    for mix in ((512, 32), (32, 256), (128, 128)):
        for _ in range(6):
            s = rng.uniform(10, 30)
            n_in, n_out = mix[0] * s * rng.uniform(0.5, 2), mix[1] * s * rng.uniform(0.5, 2)
            j = 40.0 * s + 0.002 * n_in + 0.05 * n_out
            rows.append((s, n_in, n_out, j * (1 + rng.normal(0, 0.003))))
    f = fit_energy(rows)
    for term, true in ((f.base_power_w, 40.0), (f.j_per_input_token, 0.002), (f.j_per_output_token, 0.05)):
        assert term.low <= true <= term.high
        assert term.value == pytest.approx(true, rel=0.1)
    assert f.r2 > 0.99 and f.windows == 18 and f.j_per_1k_output == pytest.approx(50, rel=0.1)


def test_fit_says_a_negative_term_within_noise_of_zero_is_not_a_cost():
    import numpy as np

    rng = np.random.default_rng(1)
    rows = []
    for mix in ((512, 32), (32, 256)):
        for _ in range(4):
            s = rng.uniform(3, 6)
            n_in, n_out = mix[0] * s, mix[1] * s * rng.uniform(0.8, 1.2)
            rows.append((s, n_in, n_out, 5.0 * s - 0.0001 * n_out + rng.normal(0, 2.0)))  # output term ~0, noisy
    f = fit_energy(rows)
    assert f.j_per_output_token.value < 0 < f.j_per_output_token.high  # the case seen on transformers serve
    assert "per output token term is negative but its 95% interval includes 0" in f.warning


def test_fit_refuses_one_mix():
    rows = [(s, 100.0 * s, 50.0 * s, 10.0 * s) for s in (1.0, 2.0, 3.0, 4.0)]
    with pytest.raises(WattprintError, match="two input/output mixes"):
        fit_energy(rows)


def test_server_meters_with_rapl_take_the_generator_share_out(tmp_path, monkeypatch):
    from fakes_energy import FakePowercap
    from wattprint.serving.metering import open_server_meters

    FakePowercap(tmp_path / "pc").server(sockets=1, dram=True)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "pc"))
    ms = open_server_meters(os.getpid())
    try:
        comps = ms.components()
        assert "cpu" not in comps and "ram" not in comps and {"cpu:0", "dram:0"} <= set(comps)
        assert all(ms.provenance(c).source == "rapl-minus-loadgen" for c in comps if not c.startswith("gpu"))
        assert any("load generator's CPU-time share removed" in n for n in ms.notes)
    finally:
        ms.close()


def test_server_meters_without_rapl_are_the_server_tree_estimate(tmp_path, monkeypatch):
    from wattprint.serving.metering import open_server_meters

    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "none"))
    child = launch(f"{sys.executable} -c \"import time; time.sleep(30)\"", tmp_path)
    try:
        ms = open_server_meters(child.pid)
        try:
            assert set(ms.components()) >= {"cpu", "ram"}
            assert f"process tree of pid {child.pid}" in ms.provenance("cpu").note
            assert not ms.provenance("cpu").measured
        finally:
            ms.close()
    finally:
        child.stop(grace_s=2)


def test_gpus_asked_for_but_not_meterable_is_an_error(monkeypatch, tmp_path):
    from wattprint.serving.metering import open_server_meters

    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "none"))
    monkeypatch.setitem(sys.modules, "pynvml", None)  # no NVML
    monkeypatch.setitem(sys.modules, "amdsmi", None)
    with pytest.raises(WattprintError, match="cannot meter the GPUs given to --gpus"):
        open_server_meters(os.getpid(), gpus=["0"])


def test_tpot_is_robust_to_bunched_chunks():
    r = RequestRecord(start=0.0, end=1.0, ok=True, first_token=0.2, chunk_times=[0.2, 0.6, 0.6, 0.6, 1.0],
                      output_tokens=5)
    assert min(r.itl_samples()) == 0.0  # the client read three chunks at once
    assert r.tpot_s == pytest.approx(0.2)  # (1.0 - 0.2) / 4


def test_fit_warns_when_a_term_is_negative():
    import numpy as np

    rng = np.random.default_rng(1)
    rows = []
    for _ in range(10):  # energy that falls as output tokens rise: not a cost model
        sec, n_in, n_out = rng.uniform(10, 20), rng.uniform(100, 3000), rng.uniform(100, 3000)
        rows.append((sec, n_in, n_out, 10 * sec + 0.001 * n_in - 0.02 * n_out + rng.normal(0, 0.1)))
    f = fit_energy(rows)
    assert f.j_per_output_token.high < 0 and "do not read the terms as costs" in f.warning
    ok = [(s_, i, o, 10 * s_ + 0.001 * i + 0.02 * o) for s_, i, o, _ in rows]
    assert fit_energy(ok).warning == ""


def test_a_level_estimate_is_the_mean_with_the_summary_s_95_interval():
    from wattprint.serving.figures import estimate

    e = estimate([10.0, 12.0, 14.0])
    assert e is not None and e.mean == 12.0 and e.n == 3
    # t(0.975, 2) = 4.303: 12 +/- 4.303 * 2 / sqrt(3), the low end floored at zero when it would go below
    assert e.low == pytest.approx(12 - 4.9685, abs=1e-3) and e.high == pytest.approx(12 + 4.9685, abs=1e-3)
    wide = estimate([0.1, 5.0])
    assert wide is not None and wide.low == 0.0 and wide.high > 5.0
    one = estimate([7.0, float("nan")])
    assert one is not None and (one.mean, one.low, one.high, one.n) == (7.0, 7.0, 7.0, 1)
    assert estimate([]) is None


def test_an_interrupt_inside_a_request_task_is_raised_once_and_not_logged(caplog):
    """SIGTERM/Ctrl-C landing in a task nobody awaits (e.g. a connection attempt) reaches the caller, and asyncio
    does not print it again as 'Task exception was never retrieved' with a traceback at shutdown."""
    import asyncio
    import gc

    from wattprint.errors import Terminated
    from wattprint.serving.protocol import run_async

    async def level() -> None:
        async def connection_attempt() -> None:
            await asyncio.sleep(0.01)
            raise Terminated(15)

        asyncio.get_running_loop().create_task(connection_attempt())  # detached, never awaited
        await asyncio.sleep(5)

    with caplog.at_level("ERROR", logger="asyncio"), pytest.raises(Terminated):
        run_async(level())
    gc.collect()
    assert not [r for r in caplog.records if r.name == "asyncio"], [r.getMessage() for r in caplog.records]
