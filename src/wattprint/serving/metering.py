"""Meters scoped to the server, not to wattprint.

* CPU and RAM without RAPL: the estimation meter on the **server's process tree** (its CPU time x
  W per logical CPU, its resident memory x W/GiB), labelled ``model``.
* With RAPL: the machine's counters, minus the load generator's share. The generator runs on the
  same CPUs; between two reads its share is its own CPU seconds over the machine's busy CPU seconds
  (``/proc/stat``), and that fraction of each RAPL component's energy is taken out. The figure stays
  a counter reading with an attribution applied: source ``rapl-minus-loadgen``, the share noted,
  and 5 points more uncertainty each way. Without a DRAM/psys domain, RAM is the server tree's
  estimate.
* GPUs: the server's (``--gpus``, else the ``CUDA_VISIBLE_DEVICES`` of its environment, else all),
  through NVML or AMD SMI; none found is noted, never counted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import psutil

from wattprint.energy.meter import Meter
from wattprint.energy.meterset import MeterSet
from wattprint.energy.types import Provenance, Reading
from wattprint.errors import WattprintError

#: Points of relative uncertainty added each way to RAPL figures with the generator's share removed.
ATTRIBUTION_UNCERTAINTY = 0.05


def own_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process alone, its children excluded (s)."""
    t = os.times()
    return t.user + t.system


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine, all logical CPUs (s): user, nice, system, irq and softirq
    (guest time is already inside user on Linux; idle, iowait and steal are not this machine's work)."""
    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq"))


class GeneratorShareOut(Meter):
    """A machine-wide meter (RAPL) with the load generator's CPU-time share removed (J, cumulative).

    ``own_cpu`` and ``machine_busy`` are the two CPU-second clocks (injectable for tests).
    """

    name = "rapl"

    def __init__(self, inner: Meter, own_cpu: Callable[[], float] = own_cpu_seconds,
                 machine_busy: Callable[[], float] = machine_busy_seconds) -> None:
        self.inner = inner
        self._own_cpu, self._busy = own_cpu, machine_busy
        self._lock = threading.Lock()
        self._last_raw = inner.read()
        self._last_own, self._last_busy = own_cpu(), machine_busy()
        self._acc = {c: 0.0 for c in inner.components()}
        self.removed_j = 0.0
        self.seen_j = 0.0

    def components(self) -> list[str]:
        return self.inner.components()

    @property
    def share(self) -> float:
        """Fraction of the RAPL energy read so far attributed to the generator and removed (0..1)."""
        return self.removed_j / self.seen_j if self.seen_j > 0 else 0.0

    def provenance(self, component: str) -> Provenance:
        p = self.inner.provenance(component)
        return Provenance(
            source="rapl-minus-loadgen",
            method=p.method,
            sampling_period_s=p.sampling_period_s,
            uncertainty_low=max(-1.0, p.uncertainty_low - ATTRIBUTION_UNCERTAINTY),
            uncertainty_high=p.uncertainty_high + ATTRIBUTION_UNCERTAINTY,
            note=f"{p.note}; load generator's share removed by CPU-time attribution "
                 "(its CPU seconds / the machine's busy CPU seconds between reads)",
        )

    def reading(self) -> Reading:
        """The inner meter's reading with the generator's share removed; its counter faults pass through."""
        with self._lock:
            inner = self.inner.reading()
            raw, own, busy = inner.joules, self._own_cpu(), self._busy()
            d_busy = busy - self._last_busy
            share = min(1.0, max(0.0, (own - self._last_own) / d_busy)) if d_busy > 0 else 0.0
            for c, v in raw.items():
                d = max(0.0, v - self._last_raw.get(c, 0.0))
                self._acc[c] = self._acc.get(c, 0.0) + d * (1.0 - share)
                self.removed_j += d * share
                self.seen_j += d
            self._last_raw, self._last_own, self._last_busy = raw, own, busy
            return Reading(dict(self._acc), dict(inner.faults))

    def read(self) -> dict[str, float]:
        return self.reading().joules

    def sync(self) -> None:
        self.inner.sync()

    def close(self) -> None:
        self.inner.close()


def gpu_selection(gpus: Sequence[str] | None, server_env: dict[str, str]) -> tuple[list[str] | str, str]:
    """The server's GPUs: ``--gpus``, else its ``CUDA_VISIBLE_DEVICES``/``HIP_VISIBLE_DEVICES``, else all."""
    if gpus:
        return list(gpus), f"--gpus {','.join(gpus)}"
    for var in ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"):
        if var in server_env:
            entries = [e.strip() for e in server_env[var].split(",") if e.strip()]
            return entries, f"server's {var}={server_env[var]}"
    return "all", "all GPUs (the server sets no CUDA_VISIBLE_DEVICES)"


def open_server_meters(server_pid: int, *, gpus: Sequence[str] | None = None,
                       server_env: dict[str, str] | None = None, use_rapl: bool = True) -> MeterSet:
    """Meters for the server: RAPL minus the generator (or the server tree's estimate) + its GPUs."""
    from wattprint.energy.estimate import EstimateMeter
    from wattprint.energy.registry import open_meter

    notes: list[str] = []
    meters: list[Meter] = []
    rapl = None
    if use_rapl:
        from wattprint.energy.rapl import RaplMeter, RaplUnavailable

        try:
            rapl = RaplMeter()
        except RaplUnavailable as exc:
            notes.append(f"CPU and RAM energy are ESTIMATED (model) for the server's process tree: "
                         f"RAPL unavailable: {exc.message}; fix: {exc.fix}")
    if rapl is not None:
        meters.append(GeneratorShareOut(rapl))
        notes.append("CPU energy: RAPL (machine-wide) with the load generator's CPU-time share removed")
        if not {d.kind for d in rapl.domains} & {"dram", "psys"}:
            meters.append(EstimateMeter(components=("ram",), pid=server_pid))
            notes.append("RAM energy is ESTIMATED (model) for the server's process tree: no RAPL DRAM domain")
    else:
        meters.append(EstimateMeter(pid=server_pid))
    selection, why = gpu_selection(gpus, server_env or {})
    found = False
    for name in ("nvml", "amdsmi"):
        if found:
            break
        try:
            meters.append(open_meter(name, gpus=selection))
            found = True
            notes.append(f"GPUs: {why}")
        except WattprintError as exc:
            if gpus:  # asked for explicitly: say why it failed
                notes.append(f"{name}: {exc.message}")
    if not found:
        if gpus:
            for m in meters:
                m.close()
            raise WattprintError(f"cannot meter the GPUs given to --gpus ({', '.join(gpus)})",
                                 hint="; ".join(notes[-2:]) or "check the GPU indices or UUIDs")
        notes.append("no GPU metered (none visible through NVML or AMD SMI)")
    return MeterSet(meters, notes)
