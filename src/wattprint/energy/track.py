"""``wattprint.track``: measure a block or a function, as a context manager or a decorator.

    with wattprint.track("generate") as t:
        model.generate(...)
    t.total_joules, t.joules, t.duration_s, t.mean_power_w, t.provenance, t.report

    @wattprint.track("step")
    def step(): ...
    step(); step.last_report

Windows nest: a ``track`` opened inside another is recorded as its child
(``t.children``; ``t.path`` is ``"outer/inner"``). All ``track`` calls without
``meters=`` share one process-wide :class:`MeterSet` opened on first use
(auto-detected, see :func:`~wattprint.energy.registry.open_meters`).
"""

from __future__ import annotations

import atexit
import contextvars
import functools
import threading
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, cast

from wattprint.energy.meter import Meter
from wattprint.energy.meterset import MeterSet
from wattprint.energy.types import EnergyReport, Provenance
from wattprint.energy.window import Window
from wattprint.errors import WattprintError

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class TrackedFunction(Protocol, Generic[P, R_co]):
    """A function decorated with ``@track``: called as before; ``last_report`` / ``last`` hold its latest window."""

    last_report: EnergyReport | None
    last: Tracker | None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...

_default: MeterSet | None = None
_default_lock = threading.Lock()
_stack: contextvars.ContextVar[tuple[Tracker, ...]] = contextvars.ContextVar("wattprint_track_stack", default=())


def default_meterset() -> MeterSet:
    """The process-wide auto-detected meter set used by ``track`` (opened once, closed at exit)."""
    global _default
    with _default_lock:
        if _default is None:
            from wattprint.energy.registry import open_meters

            _default = open_meters()
            atexit.register(_close_default)
        return _default


def _close_default() -> None:
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
            _default = None


class Tracker:
    """A named, nestable energy window; after exit it exposes the :class:`EnergyReport`.

    Args:
        name: label of the window.
        meters: None (shared auto-detected set), a list of meter names (opened for
            this window and closed after it), or an open :class:`Meter` / :class:`MeterSet`.
        idle_power_w: optional idle baseline (W per component) for net energy.
    """

    def __init__(
        self,
        name: str = "",
        *,
        meters: list[str] | Meter | None = None,
        idle_power_w: dict[str, float] | None = None,
    ) -> None:
        self.name = name
        self.meters = meters
        self.idle_power_w = idle_power_w
        self.parent: Tracker | None = None
        self.children: list[Tracker] = []
        self._window: Window | None = None
        self._owned: Meter | None = None
        self._token: contextvars.Token[tuple[Tracker, ...]] | None = None
        self.report: EnergyReport | None = None

    # -- context manager ---------------------------------------------------------
    def _meterset(self) -> Meter:
        if self.meters is None:
            return default_meterset()
        if isinstance(self.meters, Meter):
            return self.meters
        from wattprint.energy.registry import open_meters

        self._owned = open_meters(list(self.meters))
        return self._owned

    def __enter__(self) -> Tracker:
        if self._window is not None:
            raise WattprintError(f"track({self.name!r}) is already running", hint="use a new track() per window")
        stack = _stack.get()
        self.parent = stack[-1] if stack else None
        self.report = None
        self.children = []
        self._window = Window(self._meterset(), self.name, self.idle_power_w)
        self._token = _stack.set((*stack, self))
        self._window.start()
        return self

    def __exit__(self, *exc: object) -> None:
        window, self._window = self._window, None
        try:
            if window is not None:
                self.report = window.stop()
        finally:
            if self._token is not None:
                _stack.reset(self._token)
                self._token = None
            if self._owned is not None:
                self._owned.close()
                self._owned = None
            if self.parent is not None and self.report is not None:
                self.parent.children.append(self)

    # -- decorator ---------------------------------------------------------------
    def __call__(self, func: Callable[P, R]) -> TrackedFunction[P, R]:
        name = self.name or getattr(func, "__qualname__", "function")

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            t = Tracker(name, meters=self.meters, idle_power_w=self.idle_power_w)
            try:
                with t:
                    return func(*args, **kwargs)
            finally:
                tracked.last_report = t.report
                tracked.last = t

        tracked = cast(TrackedFunction[P, R], wrapper)
        tracked.last_report = None
        tracked.last = None
        return tracked

    # -- results -----------------------------------------------------------------
    def _done(self) -> EnergyReport:
        if self.report is None:
            raise WattprintError(f"track({self.name!r}) has no result yet", hint="read it after the block ends")
        return self.report

    @property
    def path(self) -> str:
        """Names from the outermost window down to this one, joined by ``/``."""
        names = []
        t: Tracker | None = self
        while t is not None:
            names.append(t.name)
            t = t.parent
        return "/".join(reversed(names))

    @property
    def joules(self) -> dict[str, float]:
        """Energy per component (J)."""
        return self._done().joules

    @property
    def total_joules(self) -> float:
        """Total energy over every component (J)."""
        return self._done().total_joules

    @property
    def duration_s(self) -> float:
        return self._done().duration_s

    @property
    def mean_power_w(self) -> float:
        return self._done().mean_power_w

    @property
    def provenance(self) -> dict[str, Provenance]:
        """How each component's figure was obtained (source, method, uncertainty)."""
        return {c.component: c.provenance for c in self._done().components}

    def __repr__(self) -> str:
        if self.report is None:
            return f"Tracker({self.name!r}, running={self._window is not None})"
        r = self.report
        kind = "measured" if r.all_measured else ("estimated" if r.measured_joules == 0 else "partly estimated")
        return f"Tracker({self.name!r}, {r.total_joules:.3f} J {kind}, {r.duration_s:.3f} s)"


def track(
    name: str | Callable[..., Any] = "",
    *,
    meters: list[str] | Meter | None = None,
    idle_power_w: dict[str, float] | None = None,
) -> Any:
    """Measure energy of a block (``with track("x") as t``) or of each call of a function (``@track("x")``).

    Returns a :class:`Tracker`; ``@track`` without parentheses also works.
    """
    if callable(name):
        func = name
        return Tracker(getattr(func, "__qualname__", "function"), meters=meters, idle_power_w=idle_power_w)(func)
    return Tracker(name, meters=meters, idle_power_w=idle_power_w)
