"""NVIDIA GPUs through NVML (``pynvml`` from nvidia-ml-py, imported lazily).

Volta and newer: ``nvmlDeviceGetTotalEnergyConsumption`` (mJ counter, method
``counter``). Older GPUs: ``nvmlDeviceGetPowerUsage`` (mW) polled and integrated
(method ``power-integration``). Only the GPUs this process can see are metered
by default: ``CUDA_VISIBLE_DEVICES`` (indices or UUIDs) when set, every GPU otherwise.
"""

from __future__ import annotations

import sys
from typing import Any

from wattprint.contracts.devices import GpuSelection
from wattprint.energy.gpu import DEFAULT_POWER_PERIOD_S, GpuDevice, GpuMeter, listing_devices
from wattprint.energy.meter import MeterUnavailable, vendor_failure
from wattprint.energy.notices import warn
from wattprint.energy.types import Method
from wattprint.energy.visible import select_indices


class NvmlUnavailable(MeterUnavailable):
    """NVML cannot be used here; ``reason`` is absent | unusable, ``fix`` says what to do."""


#: What to do when pynvml itself misbehaves (raises something other than an NVML error).
PYNVML_FIX = "reinstall it (pip install --force-reinstall nvidia-ml-py) or use --meter estimate/rapl"


def _import_pynvml() -> Any:
    """The pynvml module; any exception while importing it makes NVML unavailable, never a crash."""
    mod = sys.modules.get("pynvml")
    if mod is not None:
        return mod
    try:
        import pynvml
    except ImportError as exc:
        raise NvmlUnavailable("pynvml is not installed", hint="pip install nvidia-ml-py", reason="absent") from exc
    except Exception as exc:  # a broken install raises anything (KeyError, OSError...) at import
        raise vendor_failure("pynvml", "importing", exc, PYNVML_FIX, NvmlUnavailable) from exc
    return pynvml


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


class NvmlMeter(GpuMeter):
    """Energy of NVIDIA GPUs (J per ``gpu:N``), counter where supported, else integrated power.

    Args:
        gpus: None (the visible set), ``"all"``, or physical indices / UUIDs.
        power_period_s: polling period for power-only GPUs (s).
        start_poller: run the power poller thread (tests may call :meth:`sample`).
    """

    name = "nvml"
    source = "nvml"

    def __init__(
        self,
        gpus: GpuSelection = None,
        *,
        power_period_s: float = DEFAULT_POWER_PERIOD_S,
        start_poller: bool = True,
    ) -> None:
        nv = _import_pynvml()
        self._nv = nv
        try:
            nv.nvmlInit()
        except Exception as exc:
            raise NvmlUnavailable(
                f"NVML did not initialise ({_text(exc) or exc.__class__.__name__}): no NVIDIA driver or GPU",
                hint="install the NVIDIA driver on a machine with an NVIDIA GPU (nvidia-smi must work)",
                reason="absent",
            ) from exc
        with listing_devices(self._shutdown, "pynvml", PYNVML_FIX, NvmlUnavailable):
            count = int(nv.nvmlDeviceGetCount())
            handles = [nv.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            uuids = [_text(nv.nvmlDeviceGetUUID(h)) for h in handles]
            chosen, self.selection = select_indices(gpus, list(range(count)), uuids)
            devices: list[GpuDevice] = []
            for k, i in enumerate(chosen):
                h = handles[i]
                try:
                    nv.nvmlDeviceGetTotalEnergyConsumption(h)
                    method = Method.COUNTER
                except Exception:
                    try:
                        nv.nvmlDeviceGetPowerUsage(h)
                        method = Method.POWER_INTEGRATION
                    except Exception as exc:
                        warn(f"nvml: GPU {i} reports neither energy nor power ({exc!r}); skipped")
                        continue
                devices.append(GpuDevice(i, h, _text(nv.nvmlDeviceGetName(h)), uuids[i], k, method))
            if not devices:
                raise NvmlUnavailable(
                    f"no NVIDIA GPU to meter ({self.selection}; {count} on the machine)",
                    hint="set CUDA_VISIBLE_DEVICES or pass gpus='all'",
                    reason="absent" if count == 0 else "unusable",
                )
            super().__init__(devices, power_period_s, start_poller)

    def _energy_j(self, d: GpuDevice) -> float:
        return float(self._nv.nvmlDeviceGetTotalEnergyConsumption(d.handle)) / 1000.0  # mJ -> J

    def _power_w(self, d: GpuDevice) -> float:
        return float(self._nv.nvmlDeviceGetPowerUsage(d.handle)) / 1000.0  # mW -> W

    def _shutdown(self) -> None:
        try:
            self._nv.nvmlShutdown()
        except Exception:
            pass

    def close(self) -> None:
        super().close()
        if getattr(self, "_nv", None) is not None:
            self._shutdown()
            self._nv = None
