"""Stop signals for real (issue #12 item 3): SIGTERM on ``wattprint run`` and ``track``, SIGKILL of the parent.

Each test starts the real CLI in a subprocess, sends a real signal and checks what is left behind:
no worker running, no temporary folder, the run stored as failed "terminated" with the phases
finished before the stop.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from fakes_bench import worker_env
from wattprint.results.store import ResultStore

pytestmark = pytest.mark.slow



def _env(tmp_path: Path) -> dict[str, str]:
    env = worker_env()
    env["TMPDIR"] = str(tmp_path / "tmp")  # the worker's temporary folder goes here, to check it is removed
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return env


def _start_run(tmp_path: Path) -> subprocess.Popen:
    """``wattprint run`` on the fake task, sleeping 60 s inside the measured window."""
    cmd = [sys.executable, "-m", "wattprint", "run", "--task", "fake-task", "--model", "arch:fake-tiny",
           "--meter", "estimate", "--idle-seconds", "0", "-n", "4", "--repeats", "2", "--warmup", "0",
           "-o", "fail_in=infer", "-o", "error=sleep", "-o", "sleep_s=60", "--db", str(tmp_path / "w.db")]
    return subprocess.Popen(cmd, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _worker_of(proc: subprocess.Popen) -> psutil.Process | None:
    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return None
    for k in kids:
        try:
            if "wattprint.bench.worker" in " ".join(k.cmdline()):
                return k
        except psutil.Error:
            continue
    return None


def _in_query_window(tmp_path: Path, worker: psutil.Process) -> bool:
    """The worker has checkpointed its preprocess phase (so it is inside the sleeping window)."""
    for partial in (tmp_path / "tmp").glob("wattprint-run-*/result.partial.json"):
        try:
            if json.loads(partial.read_text()).get("preprocess") is not None:
                return True
        except (OSError, ValueError):
            continue
    return False


def _gone(p: psutil.Process) -> bool:
    try:
        return p.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_sigterm_on_run_stops_the_worker_stores_terminated_and_cleans_up(tmp_path):
    proc = _start_run(tmp_path)
    try:
        worker = _wait_for(lambda: _worker_of(proc), 60, "the worker to start")
        _wait_for(lambda: _in_query_window(tmp_path, worker), 60, "the worker to reach the measured window")
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert time.monotonic() - t0 < 15
    assert "Traceback" not in err
    _wait_for(lambda: _gone(worker), 5, "the worker to be gone")
    assert list((tmp_path / "tmp").iterdir()) == []  # temporary folder removed
    with ResultStore(tmp_path / "w.db") as store:
        runs = store.list()
    assert len(runs) == 1 and runs[0].status == "failed"
    assert runs[0].error is not None and runs[0].error.startswith("terminated by SIGTERM")
    assert runs[0].load is not None and runs[0].preprocess is not None  # phases finished before the stop are kept


def test_sigkill_of_the_parent_stops_the_worker(tmp_path):
    proc = _start_run(tmp_path)
    try:
        worker = _wait_for(lambda: _worker_of(proc), 60, "the worker to start")
        _wait_for(lambda: _in_query_window(tmp_path, worker), 60, "the worker to reach the measured window")
        proc.kill()
        proc.wait(timeout=10)
        _wait_for(lambda: _gone(worker), 10, "the orphaned worker to stop")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_sigterm_on_track_stops_its_child_and_still_reports(tmp_path):
    child = "import time; time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-m", "wattprint", "track", "--json", "--meter", "estimate", "--",
                             sys.executable, "-c", child], env=_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        def sleeper():
            try:
                kids = psutil.Process(proc.pid).children()
            except psutil.NoSuchProcess:
                return None
            return next((k for k in kids if child in " ".join(k.cmdline())), None)

        kid = _wait_for(sleeper, 60, "the tracked command to start")
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert _gone(kid)
    report = json.loads(out)
    assert report["exit_code"] == -signal.SIGTERM
    assert report["duration_s"] > 0 and report["all_measured"] is False


def test_stop_signals_raise_terminated_once_and_respect_nohup():
    from wattprint.errors import Terminated, interrupt_exit_code, stop_signals_raise

    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    old_term = signal.getsignal(signal.SIGTERM)
    try:
        with stop_signals_raise() as got:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            with pytest.raises(Terminated) as ei:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)  # the handler raises here, at once
            os.kill(os.getpid(), signal.SIGTERM)  # a repeat while cleaning up is ignored
            time.sleep(0.05)
        assert got.signum == signal.SIGTERM and ei.value.signal_name == "SIGTERM"
        assert interrupt_exit_code(ei.value) == 143 and interrupt_exit_code(KeyboardInterrupt()) == 130
        assert signal.getsignal(signal.SIGTERM) is old_term  # put back on the way out
    finally:
        signal.signal(signal.SIGHUP, old_hup)
