"""A light background poller: one daemon thread calling a function every ``period_s`` seconds.

Meters use it to guard counters against wraparound (RAPL) or to integrate
sampled power (old NVML, RSS for the RAM model). It never does work at import
and stops promptly on :meth:`Poller.stop`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from wattprint.energy.notices import warn


class Poller:
    """Call ``fn()`` every ``period_s`` seconds on a daemon thread until stopped."""

    def __init__(self, fn: Callable[[], None], period_s: float, name: str = "wattprint-poller") -> None:
        if period_s <= 0:
            raise ValueError("poll period must be > 0 s")
        self.fn = fn
        self.period_s = float(period_s)
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Poller:
        if self.running:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                self.fn()
            except Exception as exc:  # a poller must never kill the program
                if not self._failed:
                    self._failed = True
                    warn(f"{self.name}: background poll failed ({exc!r}); window edges still read directly")

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
