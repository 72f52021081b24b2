"""An unreachable or silent Ray address fails within the stated timeout, naming it, and a SIGTERM
stops the wait (issue #12 item 9). No Ray cluster is started: the address is a local socket that
accepts TCP connections and never answers, like a wrong service or a black-holed port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from wattprint.errors import WattprintError

pytest.importorskip("ray")  # the ray extra; installed in CI (``all``)

from wattprint.sweep.ray_executor import connect, probe  # noqa: E402


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture()
def silent():
    s = SilentServer()
    yield s
    s.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_silent_address_fails_within_the_timeout_naming_it(silent, scheme):
    address = f"{scheme}127.0.0.1:{silent.port}"
    t0 = time.monotonic()
    with pytest.raises(WattprintError) as ei:
        probe(address, timeout_s=1.0)
    assert time.monotonic() - t0 < 5
    assert f"no Ray cluster answered at {address!r} within 1 s" in ei.value.message
    assert "--connect-timeout" in ei.value.hint


def test_refused_address_fails_too_and_connect_probes_before_ray_init(monkeypatch):
    address = f"127.0.0.1:{_closed_port()}"
    import ray

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **kw: pytest.fail("ray.init reached despite a dead address"))
    with pytest.raises(WattprintError, match=f"at '{address}' within 0.5 s"):
        connect(address, timeout_s=0.5)
    monkeypatch.setenv("RAY_ADDRESS", address)  # "auto" follows RAY_ADDRESS, probed the same way
    with pytest.raises(WattprintError, match="within 0.5 s"):
        connect("auto", timeout_s=0.5)


@pytest.mark.slow
def test_sigterm_stops_a_sweep_waiting_for_a_silent_ray_address(silent, tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text("name: s\nmodels:\n  - {task: text-classification, id: 'arch:bert-tiny', datasets: [synthetic]}\n")
    cmd = [sys.executable, "-m", "wattprint", "sweep", str(sweep), "--executor", "ray",
           "--address", f"127.0.0.1:{silent.port}", "--connect-timeout", "120", "--db", str(tmp_path / "w.db")]
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert silent.accepted.wait(90), "the sweep never tried the address"
        time.sleep(0.5)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert time.monotonic() - t0 < 15  # not the 120 s timeout
    assert proc.returncode == 143, err  # 128 + SIGTERM, like every command (test_sweep_local)
    assert "Traceback" not in err
