"""The server's lifecycle: launch it in its own process group, wait for health, stop it, keep its log.

``--launch "CMD ..."``: wattprint starts CMD (no shell) in a new session (its own process group),
output to a log file; it polls ``/health`` then ``/v1/models`` until one answers 200 or the timeout
passes (the process dying first is reported with its exit code and log tail). :meth:`ServerHandle.stop`
sends SIGTERM to the group, waits a grace period, then SIGKILLs the group and any descendant that
left it, so no process is left behind. ``--server-pid PID`` attaches to a server already running
here: it is measured, never stopped.

Energy needs meters on the server's machine: :func:`check_local` refuses an endpoint whose host is
not an address of this machine.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from wattprint.errors import WattprintError

#: Lines of the server's log kept with a failed level or launch.
LOG_TAIL_LINES = 40


def _local_addresses() -> set[str]:
    addrs = {"127.0.0.1", "::1", "0.0.0.0", "::"}
    for entries in psutil.net_if_addrs().values():
        for a in entries:
            if a.family in (socket.AF_INET, socket.AF_INET6):
                addrs.add(a.address.split("%")[0])
    return addrs


def check_local(base_url: str) -> None:
    """Raise a one-line error if ``base_url``'s host is not this machine (energy needs local meters)."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- raises ValueError on a port outside 0-65535 or not a number
    except ValueError as exc:  # 'http://[::1:9': Invalid IPv6 URL
        raise WattprintError(f"bad URL {base_url!r}: {exc}", hint="e.g. http://127.0.0.1:8000") from None
    if parts.scheme not in ("http", "https") or not host:
        raise WattprintError(f"not an http(s) URL: {base_url!r}", hint="e.g. http://127.0.0.1:8000")
    if host in ("localhost", socket.gethostname()):
        return
    try:
        resolved = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise WattprintError(f"cannot resolve the endpoint host {host!r}: {exc.strerror}",
                             hint="check the URL given to --url") from None
    if not resolved & _local_addresses() and not any(a.startswith("127.") for a in resolved):
        raise WattprintError(
            f"endpoint {base_url} is on another machine ({host}): its energy can only be read by meters there",
            hint="run wattprint serve-bench on the server's machine (with --server-pid or --launch)",
        )


@dataclass
class ServerHandle:
    """A server process wattprint measures: launched by it (and stopped by it) or attached by pid."""

    pid: int
    command: str = ""
    launched: bool = False
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    stopped: bool = False
    temp_log: bool = False  # the log folder is wattprint's temporary one (removed by discard_log)

    def discard_log(self) -> None:
        """Remove a temporary log folder (after a run that needs no log tail)."""
        if self.temp_log and self.log_path is not None:
            shutil.rmtree(self.log_path.parent, ignore_errors=True)

    def alive(self) -> str:
        """"" while the server runs, else why not (exit code)."""
        if self.proc is not None:
            code = self.proc.poll()
            return "" if code is None else f"server exited with code {code}"
        try:
            p = psutil.Process(self.pid)
            if p.status() == psutil.STATUS_ZOMBIE:
                return f"server pid {self.pid} is a zombie"
        except psutil.NoSuchProcess:
            return f"server pid {self.pid} is gone"
        return ""

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines of the server's log ("" when there is none)."""
        if self.log_path is None or not self.log_path.is_file():
            return ""
        with self.log_path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop a launched server: SIGTERM to its group, SIGKILL after ``grace_s``. Attached: no-op."""
        if not self.launched or self.stopped or self.proc is None:
            return
        self.stopped = True
        try:
            tree = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        for p in tree:  # descendants that left the group (setsid) are stopped too
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)


def launch(command: str, log_dir: str | Path | None = None, env: dict[str, str] | None = None) -> ServerHandle:
    """Start ``command`` (split like a shell would, not run by one) in its own process group."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise WattprintError(f"cannot parse --launch command: {exc}", hint="quote it as one shell word") from None
    if not argv:
        raise WattprintError("--launch command is empty", hint='e.g. --launch "transformers serve ./model"')
    temp = not log_dir
    log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="wattprint-serve-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "server.log"
    full_env = dict(os.environ if env is None else env)
    try:
        with log_path.open("wb") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, env=full_env)
    except OSError as exc:
        raise WattprintError(f"cannot start server {argv[0]!r}: {exc.strerror}",
                             hint="check the command given to --launch") from None
    return ServerHandle(proc.pid, command, True, log_path, full_env, proc, temp_log=temp)


def attach(pid: int) -> ServerHandle:
    """A handle on a running server process (measured, never stopped)."""
    try:
        if pid <= 0:  # psutil raises ValueError for a negative pid
            raise psutil.NoSuchProcess(pid)
        p = psutil.Process(pid)
        cmd = shlex.join(p.cmdline())
    except psutil.NoSuchProcess:
        raise WattprintError(f"no process with pid {pid}", hint="pass the pid of the running server") from None
    except psutil.AccessDenied:
        cmd = ""
    try:
        env = p.environ()
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        env = {}
    return ServerHandle(pid, cmd, False, None, env)


def url_port(base_url: str) -> int:
    """The TCP port of ``base_url`` (80/443 by default)."""
    return urlsplit(base_url).port or (443 if base_url.startswith("https") else 80)


def listening_ports(pid: int) -> set[int] | None:
    """TCP ports process ``pid`` and its descendants listen on; None when they cannot be read."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
        return {c.laddr.port for p in procs for c in p.net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN and c.laddr}
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return None


def listening_note(pid: int, base_url: str) -> str | None:
    """A warning when neither process ``pid`` nor its descendants listen on ``base_url``'s port, else None.

    ``--server-pid`` of the wrong process (a shell, another server) would meter that process while the
    load goes elsewhere. A server behind a proxy or in a container may not hold the socket itself, so
    this is a note, not an error; None also when the sockets cannot be read (permissions).
    """
    port = url_port(base_url)
    ports = listening_ports(pid)
    if ports is None or port in ports:
        return None
    held = ", ".join(str(x) for x in sorted(ports)) or "none"
    return (f"pid {pid} and its children do not listen on port {port} (they listen on: {held}): is it the server "
            f"behind {base_url}? The energy is that process tree's")


def wait_healthy(base_url: str, server: ServerHandle, timeout_s: float) -> float:
    """Poll ``/health`` and ``/v1/models`` until one answers 200; returns the seconds waited.

    Raises :class:`WattprintError` with the log tail if the server exits or the timeout passes
    (a launched server is then stopped)."""
    t0 = time.monotonic()
    base = base_url.rstrip("/")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
    while True:
        gone = server.alive()
        if gone:
            server.stop()
            raise WattprintError(f"{gone} before it was ready", hint=_tail_hint(server))
        for path in ("/health", "/v1/models"):
            try:
                with opener.open(base + path, timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except (urllib.error.URLError, OSError, ValueError):
                continue
        if time.monotonic() - t0 > timeout_s:
            ports = listening_ports(server.pid) or set()  # read before stopping it: a --port/--url mismatch
            server.stop()
            first = "raise --ready-timeout"
            if ports and url_port(base) not in ports:
                held = ("port " if len(ports) == 1 else "ports ") + ", ".join(str(p) for p in sorted(ports))
                first = f"the server listens on {held}, not {url_port(base)}: check --url against its port"
            raise WattprintError(f"server at {base} not ready after {timeout_s:g} s",
                                 hint=f"{first}; " + _tail_hint(server))
        time.sleep(0.25)


def _tail_hint(server: ServerHandle) -> str:
    tail = server.log_tail(5).replace("\n", " | ")
    where = f"log: {server.log_path}" if server.log_path else "no log (attached server)"
    return f"{where}; last lines: {tail}" if tail else where
