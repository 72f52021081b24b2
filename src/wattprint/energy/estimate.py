"""The estimation meter: energy from a model when the machine has no energy counters.

Components (names fixed by the team contract):

``cpu``
    This process tree's CPU time (psutil: user + system of this process and
    every descendant, including the children it has already waited for) times a
    per-logical-CPU active power from :mod:`wattprint.energy.cpu_power`
    (``TDP / hardware threads``). CPU time is an exact kernel counter, so no
    sampling is involved; the *power* is the model.
``ram``
    This process tree's resident memory (RSS, GiB), sampled by a light poller
    and integrated over time (trapezoid), times :data:`RAM_W_PER_GIB`.

Everything here is labelled ``model`` with a wide uncertainty range: it is an
attribution of typical power to this workload, never a measurement.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable

import psutil

from wattprint.contracts.meters import MeterDescription
from wattprint.energy.cpu_power import CpuPowerChoice, choose_cpu_power
from wattprint.energy.meter import Meter
from wattprint.energy.poller import Poller
from wattprint.energy.types import Method, Provenance
from wattprint.errors import WattprintError

#: Clock of the integrators (s); a module attribute so tests can script it.
_now = time.monotonic

#: DRAM power attributed per GiB of resident memory (W/GiB): 5 W per 32 GiB DIMM.
#: "About 5 W per DIMM" is CodeCarbon 3.x's RAM model (2025); 32 GiB is a common server
#: DIMM size. CodeCarbon 2.x used 0.375 W/GB (from Green Algorithms, Lannelongue et al. 2021),
#: known to overshoot modern servers; we keep it as the upper end of the uncertainty range.
RAM_W_PER_GIB = 5.0 / 32.0
#: Upper bound of the RAM model (W/GiB): CodeCarbon 2.x / Green Algorithms figure.
RAM_W_PER_GIB_HIGH = 0.375
#: Relative uncertainty of the CPU model: TDP/threads can be off by half either way, and
#: turbo above TDP or heavy SIMD can double it.
CPU_UNCERTAINTY = (-0.5, 1.0)
#: Relative uncertainty of the RAM model: 2.5 W per 32 GiB DIMM up to 0.375 W/GiB.
RAM_UNCERTAINTY = (-0.5, RAM_W_PER_GIB_HIGH / RAM_W_PER_GIB - 1.0)
#: Default RSS sampling period (s).
DEFAULT_RAM_PERIOD_S = 1.0

_GIB = float(1 << 30)
COMPONENTS = ("cpu", "ram")


def _children_fast(pid: int) -> list[int] | None:
    """Direct children from ``/proc/PID/task/TID/children`` (CONFIG_PROC_CHILDREN), or None if absent."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    out: list[int] = []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out.extend(int(x) for x in f.read().split())
        except FileNotFoundError:
            if not out and tid == tids[0]:
                return None  # the kernel has no children files: use psutil's full scan
        except OSError:
            continue
    return out


def _descendants(proc: psutil.Process) -> list[psutil.Process]:
    """Live descendants of ``proc``: the cheap per-thread children files where the kernel has them,
    else psutil's scan of every process (costlier: one read per process on the machine)."""
    pending = _children_fast(proc.pid)
    if pending is None:
        try:
            return proc.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return []
    found: list[psutil.Process] = []
    seen: set[int] = set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            found.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
        pending.extend(_children_fast(pid) or [])
    return found


def _own_stats(proc: psutil.Process, cpu: bool, rss: bool) -> tuple[float, int]:
    if proc.pid == os.getpid():  # cheapest path for this process: os.times() and statm
        cpu_s = 0.0
        if cpu:
            t = os.times()
            cpu_s = t.user + t.system + t.children_user + t.children_system
        return cpu_s, (proc.memory_info().rss if rss else 0)
    return _proc_stats(proc, cpu, rss)


def _proc_stats(p: psutil.Process, cpu: bool, rss: bool) -> tuple[float, int]:
    with p.oneshot():
        cpu_s = 0.0
        if cpu:
            t = p.cpu_times()
            cpu_s = t.user + t.system + getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0)
        return cpu_s, (p.memory_info().rss if rss else 0)


def tree_stats(proc: psutil.Process, cpu: bool = True, rss: bool = True) -> tuple[float, int]:
    """One walk of the tree: (CPU seconds incl. waited-for children, RSS bytes of live processes).

    The root is read first, then its live descendants (a child reaped in between is
    missed once, never counted twice; the meter clamps such dips).
    """
    try:
        cpu_s, rss_b = _own_stats(proc, cpu, rss)
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return 0.0, 0
    for p in _descendants(proc):
        try:
            c, r = _proc_stats(p, cpu, rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        cpu_s += c
        rss_b += r
    return cpu_s, rss_b


def tree_cpu_seconds(proc: psutil.Process) -> float:
    """CPU seconds (user + system) of ``proc`` and all its descendants, waited-for children included."""
    return tree_stats(proc, cpu=True, rss=False)[0]


def tree_rss_bytes(proc: psutil.Process) -> int:
    """Resident set size (bytes) summed over ``proc`` and its live descendants."""
    return tree_stats(proc, cpu=False, rss=True)[1]


class EstimateMeter(Meter):
    """Model-based energy for ``cpu`` and ``ram`` of this process tree (J, labelled ``model``).

    Args:
        components: subset of ``("cpu", "ram")``; ``("ram",)`` complements a RAPL
            meter that has no DRAM domain.
        pid: root of the process tree (default: this process).
        cpu_w_per_thread: override the table's per-logical-CPU power (W).
        ram_w_per_gib: RAM power per GiB of RSS (W/GiB).
        ram_period_s: RSS sampling period (s) of the background poller.
        cpu_model: CPU model name for the table lookup (default: ``/proc/cpuinfo``).
        start_poller: run the RSS poller thread (tests may drive :meth:`sample` instead).
    """

    name = "estimate"

    def __init__(
        self,
        components: Iterable[str] = COMPONENTS,
        *,
        pid: int | None = None,
        cpu_w_per_thread: float | None = None,
        ram_w_per_gib: float = RAM_W_PER_GIB,
        ram_period_s: float = DEFAULT_RAM_PERIOD_S,
        cpu_model: str | None = None,
        start_poller: bool = True,
    ) -> None:
        comps = tuple(components)
        bad = [c for c in comps if c not in COMPONENTS]
        if bad or not comps:
            raise WattprintError(
                f"estimation meter has no component(s) {bad or comps}", hint=f"choose from {list(COMPONENTS)}"
            )
        self._components = comps
        try:
            self._proc = psutil.Process(pid if pid is not None else os.getpid())
        except psutil.NoSuchProcess as exc:
            raise WattprintError(f"no process with pid {pid}", hint="pass a running process id") from exc
        choice = choose_cpu_power(cpu_model)
        if cpu_w_per_thread is not None:
            choice = CpuPowerChoice(choice.model_name, float(cpu_w_per_thread), "set by the caller")
        self.cpu_choice = choice
        self.ram_w_per_gib = float(ram_w_per_gib)
        self.ram_period_s = float(ram_period_s)
        self._lock = threading.Lock()
        # CPU: cumulative tree CPU seconds at open; offset absorbs processes that left the tree.
        cpu0, rss0 = tree_stats(self._proc, cpu="cpu" in comps, rss="ram" in comps)
        self._cpu_base = cpu0
        self._cpu_last = self._cpu_base
        self._cpu_lost = 0.0
        self._cpu_dip = 0.0
        # RAM: trapezoid integral of RSS (GiB x s).
        self._gib_s = 0.0
        self._rss_t = _now()
        self._rss_gib = rss0 / _GIB
        self._poller: Poller | None = None
        if "ram" in comps and start_poller:
            self._poller = Poller(self.sample, self.ram_period_s, "wattprint-estimate-rss").start()

    # -- Meter interface -------------------------------------------------------------
    def components(self) -> list[str]:
        return list(self._components)

    def provenance(self, component: str) -> Provenance:
        scope = f"scope: process tree of pid {self._proc.pid} (children included)"
        if component == "cpu":
            return Provenance(
                source="estimate",
                method=Method.MODEL,
                sampling_period_s=None,
                uncertainty_low=CPU_UNCERTAINTY[0],
                uncertainty_high=CPU_UNCERTAINTY[1],
                note=(
                    f"CPU time x {self.cpu_choice.w_per_thread:.3g} W per logical CPU "
                    f"({self.cpu_choice.basis}; CPU '{self.cpu_choice.model_name or 'unknown'}'); {scope}"
                ),
            )
        if component == "ram":
            return Provenance(
                source="estimate",
                method=Method.MODEL,
                sampling_period_s=self.ram_period_s,
                uncertainty_low=RAM_UNCERTAINTY[0],
                uncertainty_high=RAM_UNCERTAINTY[1],
                note=(
                    f"resident memory (RSS) x {self.ram_w_per_gib:.3g} W/GiB "
                    f"(CodeCarbon 3.x ~5 W per 32 GiB DIMM, 2025; upper bound 0.375 W/GB, CodeCarbon 2.x); {scope}"
                ),
            )
        raise WattprintError(f"estimation meter has no component {component!r}", hint=f"one of {self.components()}")

    def sample(self) -> None:
        """Take one RSS sample and fold CPU time in (the poller calls this)."""
        with self._lock:
            self._sample_locked()

    def _sample_locked(self) -> None:
        want_cpu, want_ram = "cpu" in self._components, "ram" in self._components
        cpu, rss = tree_stats(self._proc, cpu=want_cpu, rss=want_ram)
        if want_ram:
            now = _now()
            gib = rss / _GIB
            self._gib_s += 0.5 * (self._rss_gib + gib) * max(0.0, now - self._rss_t)
            self._rss_t, self._rss_gib = now, gib
        if want_cpu:
            if cpu >= self._cpu_last:
                self._cpu_last, self._cpu_dip = cpu, 0.0
            elif self._cpu_dip > 0.0:
                # second read in a row below the peak: a process left the tree without being
                # waited for (an orphan); keep the CPU time it had used, measured at the first dip
                self._cpu_lost += self._cpu_dip
                self._cpu_last, self._cpu_dip = cpu, 0.0
            else:
                # first dip: maybe a child reaped between reading the parent and the child
                # (it reappears in the parent's children times next read); hold the peak
                self._cpu_dip = self._cpu_last - cpu

    def cpu_seconds(self) -> float:
        """CPU seconds of the tree since the meter opened (s)."""
        with self._lock:
            self._sample_locked()
            return self._cpu_last + self._cpu_lost - self._cpu_base

    def read(self) -> dict[str, float]:
        with self._lock:
            self._sample_locked()
            out: dict[str, float] = {}
            if "cpu" in self._components:
                cpu_s = max(0.0, self._cpu_last + self._cpu_lost - self._cpu_base)
                out["cpu"] = cpu_s * self.cpu_choice.w_per_thread
            if "ram" in self._components:
                out["ram"] = self._gib_s * self.ram_w_per_gib
            return out

    def close(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    def _short(self, component: str) -> str:
        if component == "cpu":
            c = self.cpu_choice
            return f"cpu: CPU time x {c.w_per_thread:.3g} W per logical CPU ({c.basis})"
        return f"ram: resident memory x {self.ram_w_per_gib:.3g} W/GiB (CodeCarbon 3.x ~5 W per 32 GiB DIMM)"

    def describe(self) -> MeterDescription:
        """What this meter covers, for ``wattprint meters``: estimated, never measured."""
        return MeterDescription(
            name=self.name,
            components=tuple(self.components()),
            method=Method.MODEL.value,
            measured=False,
            scope=f"process tree of pid {self._proc.pid}",
            detail="; ".join(self._short(c) for c in self._components),
        )
