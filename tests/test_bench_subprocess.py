"""run_in_subprocess: a fresh worker per run; crash, kill -9 and timeout become failed results."""

from __future__ import annotations

import os

import pytest

from fakes_bench import worker_env
from wattprint.bench.runner import run_in_subprocess
from wattprint.results.schema import RunConfig, RunResult

pytestmark = pytest.mark.slow



def cfg(**kw) -> RunConfig:
    base = dict(task="fake-task", model="arch:fake-tiny", n=4, repeats=2, warmup=1, idle_s=0.0,
                meters=["estimate"])
    base.update(kw)
    return RunConfig(**base)


def test_ok_run_streams_events_and_records_isolation():
    events: list[dict] = []
    r = run_in_subprocess(cfg(), isolation="shared-node", on_event=events.append, env=worker_env())
    assert r.status == "ok", (r.error, r.failure)
    assert isinstance(r, RunResult)
    assert len(r.repeats) == 2 and all(rep.inferences == 4 for rep in r.repeats)
    assert all(rep.energy.total_joules >= 0 for rep in r.repeats)
    assert r.environment.isolation == "shared-node"
    assert r.environment.meters and r.environment.meters[0].name == "estimate"
    assert r.environment.meters[0].measured is False
    assert r.extra["worker_peak_rss_mb"] > 0
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert [e["phase"] for e in events if e["event"] == "phase"][:3] == ["load", "inputs", "preprocess"]
    assert os.getpid() != events[0]["pid"]  # it really ran in another process


def test_kill_9_in_the_query_window_is_a_failed_result_keeping_earlier_phases():
    r = run_in_subprocess(cfg(warmup=0, task_options={"fail_in": "infer", "error": "kill"}), env=worker_env())
    assert r.status == "failed"
    assert r.error == "worker killed by SIGKILL (out-of-memory killer or kill -9)"
    assert r.failure.hint
    # the checkpoint written after the preprocess phase survives the kill
    assert r.load is not None and r.preprocess is not None
    assert r.repeats == [] and r.summary is None


def test_worker_exit_code_is_reported():
    r = run_in_subprocess(cfg(task_options={"fail_in": "load", "error": "exit"}), env=worker_env())
    assert r.status == "failed"
    assert r.error.startswith("worker exited with code 3")


def test_timeout_stops_the_worker():
    opts = {"fail_in": "infer", "error": "sleep", "sleep_s": 60}
    r = run_in_subprocess(cfg(task_options=opts), timeout_s=4.0, env=worker_env())
    assert r.status == "failed"
    assert r.error == "timed out after 4 s; the worker was stopped"


def test_in_worker_failure_keeps_its_reason():
    r = run_in_subprocess(cfg(model="arch:nope"), env=worker_env())
    assert r.status == "failed"
    assert r.error == "unknown model 'arch:nope'"
    assert r.phase == "load"
