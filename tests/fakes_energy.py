"""Fakes for the energy layer: a powercap tree on disk, fake pynvml / amdsmi modules, a scripted meter."""

from __future__ import annotations

import types
from collections.abc import Iterable
from pathlib import Path

from wattprint.energy.meter import Meter
from wattprint.energy.types import Method, Provenance

INTEL_MAX_UJ = 262143328850  # a real package max_energy_range_uj


class FakePowercap:
    """A powercap tree under ``root`` laid out like sysfs (nested zone directories)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.zones: dict[str, Path] = {}

    def add(
        self,
        zone: str,
        name: str,
        energy_uj: int | str = 0,
        max_uj: int | str | None = INTEL_MAX_UJ,
    ) -> Path:
        """Create zone ``intel-rapl:0`` or ``intel-rapl:0:2`` (nested under its parent)."""
        parts = zone.split(":")
        parent = ":".join(parts[:-1]) if len(parts) > 2 else None
        base = self.zones[parent] if parent else self.root
        d = base / zone
        d.mkdir(parents=True, exist_ok=True)
        (d / "name").write_text(f"{name}\n")
        (d / "energy_uj").write_text(f"{energy_uj}\n")
        if max_uj is not None:
            (d / "max_energy_range_uj").write_text(f"{max_uj}\n")
        self.zones[zone] = d
        return d

    def set(self, zone: str, energy_uj: int | str) -> None:
        (self.zones[zone] / "energy_uj").write_text(f"{energy_uj}\n")

    def server(self, sockets: int = 2, dram: bool = True, mmio: bool = False, psys: bool = False) -> FakePowercap:
        """A typical server: package-N (+ core) (+ dram) per socket, optional mmio duplicate and psys."""
        for s in range(sockets):
            self.add(f"intel-rapl:{s}", f"package-{s}", 1000)
            self.add(f"intel-rapl:{s}:0", "core", 500)
            if dram:
                self.add(f"intel-rapl:{s}:1", "dram", 2000)
        if mmio:
            self.add("intel-rapl-mmio:0", "package-0", 999)
        if psys:
            self.add(f"intel-rapl:{sockets}", "psys", 5000)
        return self


# -- fake pynvml -----------------------------------------------------------------------------------


class FakeNvmlError(Exception):
    """Stands in for pynvml.NVMLError."""


class FakeGpu:
    """A scripted GPU: ``energy_mj`` counter values (None = not supported) or ``power_mw`` values."""

    def __init__(
        self,
        name: str = "NVIDIA A100-SXM4-40GB",
        uuid: str = "GPU-00000000-aaaa",
        energy_mj: Iterable[int] | None = None,
        power_mw: Iterable[int] | None = None,
    ) -> None:
        self.name = name
        self.uuid = uuid
        self.energy = list(energy_mj) if energy_mj is not None else None
        self.power = list(power_mw) if power_mw is not None else None
        self.energy_calls = 0
        self.power_calls = 0

    def next_energy(self) -> int:
        if self.energy is None:
            raise FakeNvmlError("Not Supported")
        v = self.energy[min(self.energy_calls, len(self.energy) - 1)]
        self.energy_calls += 1
        return v

    def next_power(self) -> int:
        if self.power is None:
            raise FakeNvmlError("Not Supported")
        v = self.power[min(self.power_calls, len(self.power) - 1)]
        self.power_calls += 1
        return v


def fake_pynvml(gpus: list[FakeGpu], init_error: bool = False) -> types.ModuleType:
    """A module with the pynvml functions the NVML meter calls."""
    m = types.ModuleType("pynvml")
    m.NVMLError = FakeNvmlError
    m.shutdowns = 0

    def nvmlInit() -> None:
        if init_error:
            raise FakeNvmlError("NVML Shared Library Not Found")

    def nvmlShutdown() -> None:
        m.shutdowns += 1

    m.nvmlInit = nvmlInit
    m.nvmlShutdown = nvmlShutdown
    m.nvmlDeviceGetCount = lambda: len(gpus)
    m.nvmlDeviceGetHandleByIndex = lambda i: gpus[i]
    m.nvmlDeviceGetUUID = lambda h: h.uuid
    m.nvmlDeviceGetName = lambda h: h.name.encode()  # old pynvml returns bytes
    m.nvmlDeviceGetTotalEnergyConsumption = lambda h: h.next_energy()
    m.nvmlDeviceGetPowerUsage = lambda h: h.next_power()
    return m


def fake_amdsmi(gpus: list[FakeGpu], key: str = "energy_accumulator", resolution_uj: float = 15.3) -> types.ModuleType:
    """A module with the amdsmi functions the AMD meter calls; ``energy_mj`` holds accumulator ticks."""
    m = types.ModuleType("amdsmi")
    m.shutdowns = 0
    m.amdsmi_init = lambda *a: None

    def shut() -> None:
        m.shutdowns += 1

    m.amdsmi_shut_down = shut
    m.amdsmi_get_processor_handles = lambda: list(gpus)
    m.amdsmi_get_gpu_device_uuid = lambda h: h.uuid
    m.amdsmi_get_gpu_asic_info = lambda h: {"market_name": h.name}
    m.amdsmi_get_energy_count = lambda h: {key: h.next_energy(), "counter_resolution": resolution_uj, "timestamp": 0}
    m.amdsmi_get_power_info = lambda h: {"socket_power": "N/A", "current_socket_power": h.next_power() / 1000.0}
    return m


# -- scripted meter ---------------------------------------------------------------------------------


class ScriptedMeter(Meter):
    """Returns the next scripted cumulative reading on each read (J per component)."""

    def __init__(
        self, readings: list[dict[str, float]], name: str = "scripted", method: Method = Method.COUNTER
    ) -> None:
        self.readings = readings
        self.name = name
        self.method = method
        self.reads = 0
        self.syncs = 0
        self.closed = False

    def components(self) -> list[str]:
        return list(self.readings[0])

    def provenance(self, component: str) -> Provenance:
        return Provenance(source=self.name, method=self.method, uncertainty_low=-0.1, uncertainty_high=0.2)

    def read(self) -> dict[str, float]:
        r = self.readings[min(self.reads, len(self.readings) - 1)]
        self.reads += 1
        return dict(r)

    def sync(self) -> None:
        self.syncs += 1

    def close(self) -> None:
        self.closed = True
