"""Shared machinery of the GPU meters (NVML, AMD SMI): counter or integrated power per device.

Each device is metered one of two ways, recorded in its provenance:

* ``counter``: the driver's cumulative energy counter, differenced (NVML
  ``nvmlDeviceGetTotalEnergyConsumption`` on Volta and newer; AMD SMI energy
  accumulator);
* ``power-integration``: instantaneous power polled by a daemon thread at a
  period matched to the sensor (default 0.1 s) and integrated with the
  trapezoid rule; window edges take a fresh sample, so the integral runs to the edge.

Components are ``gpu:N`` with N the *physical* device index (the index NVML or
AMD SMI uses, also the numbers ``CUDA_VISIBLE_DEVICES`` takes); the provenance
note gives the device name, UUID and its ``cuda:K`` index in this process.
Scope: the whole device, every process running on it.
"""

from __future__ import annotations

import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from wattprint.contracts.meters import MeterDescription
from wattprint.energy.cuda import cuda_sync_if_initialised
from wattprint.energy.meter import Meter, MeterUnavailable, vendor_failure
from wattprint.energy.notices import warn
from wattprint.energy.poller import Poller
from wattprint.energy.types import CounterFault, Method, Provenance, Reading
from wattprint.errors import WattprintError, one_line

#: Clock of the integrators (s); a module attribute so tests can script it.
_now = time.monotonic

#: Default power polling period (s); NVML power sensors refresh every ~20-100 ms.
DEFAULT_POWER_PERIOD_S = 0.1


@contextmanager
def listing_devices(
    shutdown: Callable[[], None], library: str, fix: str, unavailable: type[MeterUnavailable]
) -> Iterator[None]:
    """Guard the listing of GPUs after the vendor library initialised: any failure inside shuts the
    library down (``shutdown``) before it propagates; a vendor exception (not a :class:`WattprintError`,
    not an interrupt) becomes ``unavailable`` (the meter is unusable here, never a crash)."""
    try:
        yield
    except WattprintError:
        shutdown()
        raise
    except Exception as exc:  # any vendor exception while listing devices: unavailable, not a crash
        shutdown()
        raise vendor_failure(library, "listing GPUs", exc, fix, unavailable) from exc
    except BaseException:
        shutdown()
        raise


@dataclass
class GpuDevice:
    """One metered GPU and its accumulation state."""

    index: int
    handle: Any
    name: str
    uuid: str
    visible_index: int
    method: Method
    base_j: float = 0.0  # counter value at open (J)
    last_j: float = 0.0  # last good cumulative reading since open (J)
    last_p_w: float = 0.0
    last_t: float = 0.0
    failed: int = 0
    warned: set[str] = field(default_factory=set)
    opened_t: float = 0.0  # when the meter opened (s, this module's clock)
    good_t: float = 0.0  # the latest good read (s)
    stale: str = ""  # why the latest read failed ("" when it succeeded)

    def fault(self, now: float) -> CounterFault:
        """This device's :class:`CounterFault` as of ``now``: its latest read failed (see :meth:`GpuMeter.reading`)."""
        covered = self.good_t - self.opened_t
        return CounterFault(stale=self.stale, stale_s=max(0.0, now - self.good_t),
                            mean_power_w=self.last_j / covered if covered > 0 else None)

    @property
    def component(self) -> str:
        return f"gpu:{self.index}"


class GpuMeter(Meter):
    """Base for NVML / AMD SMI meters; subclasses provide the device probes."""

    source = "gpu"
    counter_uncertainty = (-0.05, 0.05)
    power_uncertainty = (-0.1, 0.1)
    #: which devices were chosen and why (set by the subclass from :func:`~wattprint.energy.visible.select_indices`)
    selection: str = ""

    def __init__(self, devices: list[GpuDevice], power_period_s: float, start_poller: bool) -> None:
        if not devices:
            raise WattprintError(f"{self.name}: no GPU selected", hint="check gpus= / CUDA_VISIBLE_DEVICES")
        self.devices = devices
        self.power_period_s = float(power_period_s)
        self._lock = threading.Lock()
        self._by_comp = {d.component: d for d in devices}
        now = _now()
        for d in devices:
            if d.method is Method.COUNTER:
                d.base_j = self._energy_j(d)
            else:
                d.last_p_w, d.last_t = self._power_w(d), now
            d.opened_t = d.good_t = now
        need_poll = any(d.method is Method.POWER_INTEGRATION for d in devices)
        self._poller = (
            Poller(self.sample, self.power_period_s, f"wattprint-{self.name}").start()
            if need_poll and start_poller
            else None
        )

    # -- subclass probes ------------------------------------------------------------
    @abstractmethod
    def _energy_j(self, d: GpuDevice) -> float:
        """Driver energy counter of ``d`` (J, cumulative since some fixed origin)."""

    @abstractmethod
    def _power_w(self, d: GpuDevice) -> float:
        """Instantaneous power of ``d`` (W)."""

    # -- Meter ------------------------------------------------------------------------
    def components(self) -> list[str]:
        return [d.component for d in self.devices]

    def provenance(self, component: str) -> Provenance:
        d = self._by_comp.get(component)
        if d is None:
            raise WattprintError(f"{self.name} meter has no component {component!r}", hint=f"{self.components()}")
        counter = d.method is Method.COUNTER
        lo, hi = self.counter_uncertainty if counter else self.power_uncertainty
        how = "energy counter" if counter else f"power sampled every {self.power_period_s:g} s, trapezoid"
        return Provenance(
            source=self.source,
            method=d.method,
            sampling_period_s=None if counter else self.power_period_s,
            uncertainty_low=lo,
            uncertainty_high=hi,
            note=f"{d.name} {d.uuid} (cuda:{d.visible_index} here); {how}; scope: whole device, every process on it",
        )

    def _fold(self, d: GpuDevice, now: float) -> None:
        try:
            if d.method is Method.COUNTER:
                d.last_j = max(d.last_j, self._energy_j(d) - d.base_j)
            else:
                p = self._power_w(d)
                d.last_j += 0.5 * (d.last_p_w + p) * max(0.0, now - d.last_t)
                d.last_p_w, d.last_t = p, now
        except Exception as exc:  # driver hiccup: keep the last good value (a window edge says so: reading())
            d.failed += 1
            d.stale = one_line(f"{self.name} read of {d.component} failed ({exc!r})")
            if "read" not in d.warned:
                d.warned.add("read")
                warn(f"{self.name}: failed read on {d.component} ({exc!r}); keeping the last good value")
        else:
            d.stale, d.good_t = "", now

    def sample(self) -> None:
        """Poll power-only devices once (the poller calls this)."""
        with self._lock:
            now = _now()
            for d in self.devices:
                if d.method is Method.POWER_INTEGRATION:
                    self._fold(d, now)

    def reading(self) -> Reading:
        """Read every device once: cumulative joules, and a :class:`CounterFault` for each device whose read
        just failed (its figure is then its last good one: a window edge there is not a measurement)."""
        with self._lock:
            now = _now()
            for d in self.devices:
                self._fold(d, now)
            joules = {d.component: d.last_j for d in self.devices}
            faults = {d.component: d.fault(now) for d in self.devices if d.stale}
        return Reading(joules, faults)

    def read(self) -> dict[str, float]:
        return self.reading().joules

    def sync(self) -> None:
        cuda_sync_if_initialised()

    def close(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    def describe(self) -> MeterDescription:
        methods = sorted({d.method.value for d in self.devices})
        return MeterDescription(
            name=self.name,
            components=tuple(self.components()),
            method=",".join(methods),
            measured=self.all_components_measured(),
            scope="whole device",
            detail="; ".join(f"{d.component}: {d.name} ({d.method.value})" for d in self.devices)
            + f"; selection: {self.selection}",
        )
