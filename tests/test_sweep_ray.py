"""Ray sweeps on a local Ray (started once per session): isolation, streaming, failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fakes_sweep
from fakes_sweep import FakeRunner, max_overlap, read_log
from wattprint.results.schema import RunConfig
from wattprint.results.store import ResultStore
from wattprint.sweep import RayExecutor, build_plan, expand, parse_sweep, run_sweep
from wattprint.sweep.jobs import Job
from wattprint.sweep.ray_executor import GPU_ONLY_LOCK_SHARE, NODE_LOCK, _Node, _Scheduler

SWEEP = """\
name: ray
defaults: {n: 2, repeats: 1, idle_s: 0}
models:
  - task: text-classification
    ids: [m0, m1, m2]
    datasets: [synthetic]
"""


@pytest.fixture
def ray_ready(ray_local):
    # workers import wattprint (installed) but not the tests folder: ship the fakes by value
    ray_local.cloudpickle.register_pickle_by_value(fakes_sweep)
    return ray_local


def _sweep(tmp_path: Path, text: str, executor: RayExecutor):
    spec, _ = parse_sweep(text)
    with ResultStore(tmp_path / "r.db") as store:
        out = run_sweep(build_plan(expand(spec), store), store, executor, timeout_s=60)
        return out, {r.config.model: r for r in store.list()}


@pytest.mark.ray
def test_node_exclusive_runs_never_overlap_and_failures_stream_back(tmp_path: Path, ray_ready) -> None:
    runner = FakeRunner(tmp_path / "log", sleep_s=0.3, fail=("m1",))
    out, stored = _sweep(tmp_path, SWEEP, RayExecutor(runner=runner))
    assert (out.ok, out.failed) == (2, 1)
    assert stored["m1"].status == "failed" and stored["m1"].error == "CUDA out of memory (simulated)"
    log = read_log(tmp_path / "log")
    assert sorted(e["model"] for e in log) == ["m0", "m1", "m2"]
    assert max_overlap(log) == 1  # CPU runs measure machine-wide counters: one per node at a time
    for r in stored.values():
        assert r.environment.isolation == "node-exclusive"
        assert r.extra["sweep"]["lock"] == "resource" and r.extra["sweep"]["node"]["node_id"]
    assert {e["isolation"] for e in log} == {"node-exclusive"}  # the runner was told, too


@pytest.mark.ray
def test_driver_lock_on_a_cluster_without_the_resource(tmp_path: Path, ray_ready) -> None:
    runner = FakeRunner(tmp_path / "log", sleep_s=0.2)
    out, stored = _sweep(tmp_path, SWEEP, RayExecutor(runner=runner, lock="driver"))
    assert out.ok == 3 and max_overlap(read_log(tmp_path / "log")) == 1
    assert {(r.environment.isolation, r.extra["sweep"]["lock"]) for r in stored.values()} == {
        ("node-exclusive", "driver")}


@pytest.mark.ray
def test_allow_shared_packs_two_per_node_and_says_so(tmp_path: Path, ray_ready) -> None:
    text = SWEEP.replace("[m0, m1, m2]", "[m0, m1, m2, m3]")
    runner = FakeRunner(tmp_path / "log", sleep_s=1.5)
    out, stored = _sweep(tmp_path, text, RayExecutor(runner=runner, allow_shared=True))
    assert out.ok == 4
    assert max_overlap(read_log(tmp_path / "log")) == 2  # 2 CPUs, 1 CPU per run
    assert {r.environment.isolation for r in stored.values()} == {"shared-node"}


@pytest.mark.ray
def test_gpu_run_on_a_cluster_without_gpus_fails_instead_of_hanging(tmp_path: Path, ray_ready) -> None:
    text = SWEEP.replace("idle_s: 0}", "idle_s: 0, device: cuda}").replace("[m0, m1, m2]", "[g0]")
    out, stored = _sweep(tmp_path, text, RayExecutor(runner=FakeRunner(tmp_path / "log")))
    assert out.failed == 1 and "no GPU in the Ray cluster" in stored["g0"].error


@pytest.mark.ray
def test_cli_ray_executor(tmp_path: Path, ray_ready, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import wattprint.sweep.jobs as jobs
    from wattprint.cli.main import app

    monkeypatch.setattr(jobs, "default_runner", lambda: FakeRunner(tmp_path / "log"))
    f = tmp_path / "s.yaml"
    f.write_text(SWEEP)
    res = CliRunner().invoke(app, ["sweep", str(f), "--db", str(tmp_path / "r.db"), "--executor", "ray", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["ok"] == 3 and doc["executor"]["lock"] == "resource"
    assert {r["isolation"] for r in doc["runs"]} == {"node-exclusive"}


# --- the scheduler's books, without a cluster -------------------------------------------------------------


def _job(i: int, device: str = "cuda", meters: list[str] | None = None) -> Job:
    cfg = RunConfig(task="text-classification", model=f"m{i}", device=device, meters=meters)
    return Job(i, cfg, cfg.config_hash())


def test_driver_lock_books_host_runs_take_the_node_gpu_only_runs_take_a_gpu() -> None:
    pytest.importorskip("ray")
    node = _Node("ab" * 28, cpus=8, gpus=2, lock=0)
    s = _Scheduler([node], "driver")
    host = s.place(_job(0))  # auto-detected meters include machine-wide ones
    assert host is not None and host.isolation == "node-exclusive"
    s.take(host)
    assert s.place(_job(1, meters=["nvml"])) is None  # nothing beside a node-exclusive run
    s.release(host)
    a, b = s.place(_job(1, meters=["nvml"])), None
    s.take(a)
    b = s.place(_job(2, meters=["nvml"]))
    s.take(b)
    assert a.isolation == b.isolation == "gpu-exclusive" and a.options["num_gpus"] == 1
    assert s.place(_job(3, meters=["nvml"])) is None  # both GPUs busy
    assert s.place(_job(4)) is None  # a host-metered run waits for the node to empty
    s.release(a)
    s.release(b)
    assert s.place(_job(4)) is not None


def test_resource_lock_asks_for_the_whole_lock_or_a_sliver() -> None:
    s = _Scheduler([_Node("n1", 8, 2, 1), _Node("n2", 8, 2, 1)], "resource")
    host, gpu_only, cpu = s.place(_job(0)), s.place(_job(1, meters=["nvml"])), s.place(_job(2, device="cpu"))
    assert host.options["resources"] == {NODE_LOCK: 1.0} and host.options["num_gpus"] == 1
    assert gpu_only.options["resources"] == {NODE_LOCK: GPU_ONLY_LOCK_SHARE} and gpu_only.isolation == "gpu-exclusive"
    assert cpu.options["resources"] == {NODE_LOCK: 1.0} and cpu.options["num_gpus"] == 0
    assert s.capacity() == 2 + 4
