"""The fake OpenAI server of :mod:`wattprint.serving.fake_server`, started as a subprocess on a free loopback port."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_server_cmd(port: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "wattprint.serving.fake_server", "--port", str(port), *args]


@contextlib.contextmanager
def fake_server(*args: str) -> Iterator[str]:
    """Run the fake server with ``args``; yields its base URL; stops it after."""
    port = free_port()
    proc = subprocess.Popen(fake_server_cmd(port, *args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("fake server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
