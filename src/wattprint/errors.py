"""The one error type users see: a one-line message and a hint.

Any layer raises :class:`WattprintError` (or a subclass) for bad input or an
unusable environment; the CLI prints ``error: <message>`` and ``hint: <hint>``
and exits non-zero. Bugs stay ordinary exceptions with tracebacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def one_line(text: object, limit: int = 300) -> str:
    """``text`` on one line (runs of whitespace, newlines included, as one space), at most ``limit``
    characters (cut with ``...``): an exception's detail inside a message or a stored reason."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class WattprintError(Exception):
    """A user-facing error with a one-line message and an actionable hint."""

    exit_code: int = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message.strip().splitlines()[0] if message.strip() else message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"


class Terminated(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) turned into an exception, so that it stops work like Ctrl-C:
    workers are stopped, the run is stored as failed, temporary folders are removed.

    It is a :class:`KeyboardInterrupt`, so every ``except KeyboardInterrupt`` cleanup path runs.
    ``signum`` is the signal; the CLI exits with ``128 + signum`` (143 for SIGTERM).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def signal_name(self) -> str:
        import signal

        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"


def interrupt_exit_code(exc: KeyboardInterrupt) -> int:
    """The shell's exit code for an interrupt: 130 for Ctrl-C, ``128 + signum`` for a stop signal."""
    return 128 + exc.signum if isinstance(exc, Terminated) else 130


@dataclass
class StopSignal:
    """Which stop signal :func:`stop_signals_raise` received (``signum`` None: none)."""

    signum: int | None = None


@contextmanager
def stop_signals_raise(signals: tuple[str, ...] = ("SIGTERM", "SIGHUP")) -> Iterator[StopSignal]:
    """While inside, SIGTERM (what ``timeout``, systemd, Slurm and Kubernetes send) and SIGHUP raise
    :class:`Terminated` in the main thread instead of killing the process outright. The first one
    raises; repeats while cleaning up are ignored (cleanup is bounded; SIGKILL still works). A
    signal already ignored (SIGHUP under ``nohup``) stays ignored.
    Yields a :class:`StopSignal` saying which one came. Outside the main thread it changes nothing."""
    import signal

    got = StopSignal()

    def _raise(signum: int, frame: object) -> None:  # noqa: ARG001
        if got.signum is not None:
            return
        got.signum = signum
        raise Terminated(signum)

    previous: dict[int, object] = {}
    try:
        for name in signals:
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:  # nohup's SIGHUP stays ignored
                previous[sig] = signal.signal(sig, _raise)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        pass
    try:
        yield got
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
