"""AMD GPUs through AMD SMI (``amdsmi``, imported lazily, only where ROCm installed it).

The energy accumulator (``amdsmi_get_energy_count``: ticks x ``counter_resolution``
uJ) gives method ``counter``; without it, socket power (``amdsmi_get_power_info``,
W) is polled and integrated. Visible set: ``HIP_VISIBLE_DEVICES``, else
``CUDA_VISIBLE_DEVICES`` (ROCm honours both), else every GPU.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from wattprint.contracts.devices import GpuSelection
from wattprint.energy.gpu import DEFAULT_POWER_PERIOD_S, GpuDevice, GpuMeter, listing_devices
from wattprint.energy.meter import MeterUnavailable, vendor_failure
from wattprint.energy.notices import warn
from wattprint.energy.types import Method
from wattprint.energy.visible import select_indices
from wattprint.errors import WattprintError

_POWER_KEYS = ("socket_power", "current_socket_power", "average_socket_power")


class AmdSmiUnavailable(MeterUnavailable):
    """AMD SMI cannot be used here; ``reason`` is absent | unusable, ``fix`` says what to do."""


#: What to do when amdsmi is installed but broken (e.g. ``KeyError: 'libamd_smi.so'`` without ROCm).
AMDSMI_FIX = "install ROCm (it provides libamd_smi.so), or uninstall the amdsmi package on a machine without AMD GPUs"


def _import_amdsmi() -> Any:
    """The amdsmi module; any exception while importing it makes AMD SMI unavailable, never a crash."""
    mod = sys.modules.get("amdsmi")
    if mod is not None:
        return mod
    try:
        import amdsmi
    except ImportError as exc:
        raise AmdSmiUnavailable(
            "amdsmi is not installed (no ROCm)", hint="install ROCm's amdsmi Python package", reason="absent"
        ) from exc
    except Exception as exc:  # amdsmi without ROCm raises KeyError('libamd_smi.so') at import
        raise vendor_failure("amdsmi", "importing", exc, AMDSMI_FIX, AmdSmiUnavailable) from exc
    return amdsmi


def _number(v: Any) -> float:
    if isinstance(v, dict):  # some versions wrap values as {"value": x, "unit": ...}
        v = v.get("value")
    return float(v)  # raises on "N/A"


class AmdSmiMeter(GpuMeter):
    """Energy of AMD GPUs (J per ``gpu:N``) through AMD SMI."""

    name = "amdsmi"
    source = "amdsmi"

    def __init__(
        self,
        gpus: GpuSelection = None,
        *,
        power_period_s: float = DEFAULT_POWER_PERIOD_S,
        start_poller: bool = True,
    ) -> None:
        smi = _import_amdsmi()
        self._smi = smi
        try:
            smi.amdsmi_init()
        except Exception as exc:
            raise AmdSmiUnavailable(
                f"amdsmi did not initialise ({exc!r}): no AMD GPU driver",
                hint="load the amdgpu driver (ROCm) on a machine with an AMD GPU",
                reason="absent",
            ) from exc
        with listing_devices(self._shutdown, "amdsmi", AMDSMI_FIX, AmdSmiUnavailable):
            handles = list(smi.amdsmi_get_processor_handles())
            uuids = []
            for h in handles:
                try:
                    uuids.append(str(smi.amdsmi_get_gpu_device_uuid(h)))
                except Exception:
                    uuids.append("")
            var = "HIP_VISIBLE_DEVICES" if os.environ.get("HIP_VISIBLE_DEVICES") is not None else "CUDA_VISIBLE_DEVICES"
            chosen, self.selection = select_indices(gpus, list(range(len(handles))), uuids, var, "amdsmi")
            devices: list[GpuDevice] = []
            for k, i in enumerate(chosen):
                h = handles[i]
                dev = GpuDevice(i, h, self._name(h), uuids[i], k, Method.COUNTER)
                try:
                    self._energy_j(dev)
                except Exception:
                    try:
                        self._power_w(dev)
                        dev.method = Method.POWER_INTEGRATION
                    except Exception as exc:
                        warn(f"amdsmi: GPU {i} reports neither energy nor power ({exc!r}); skipped")
                        continue
                devices.append(dev)
            if not devices:
                raise AmdSmiUnavailable(
                    f"no AMD GPU to meter ({self.selection}; {len(handles)} on the machine)",
                    hint="set HIP_VISIBLE_DEVICES or pass gpus='all'",
                    reason="absent" if not handles else "unusable",
                )
            super().__init__(devices, power_period_s, start_poller)

    def _name(self, h: Any) -> str:
        for fn, key in (("amdsmi_get_gpu_asic_info", "market_name"), ("amdsmi_get_gpu_board_info", "product_name")):
            try:
                return str(getattr(self._smi, fn)(h)[key])
            except Exception:
                continue
        return "AMD GPU"

    def _energy_j(self, d: GpuDevice) -> float:
        info = self._smi.amdsmi_get_energy_count(d.handle)
        ticks = info.get("energy_accumulator", info.get("power"))
        if ticks is None:
            raise WattprintError("amdsmi energy count has no accumulator")
        return _number(ticks) * _number(info["counter_resolution"]) / 1e6  # uJ -> J

    def _power_w(self, d: GpuDevice) -> float:
        info = self._smi.amdsmi_get_power_info(d.handle)
        for key in _POWER_KEYS:
            try:
                return _number(info[key])
            except (KeyError, TypeError, ValueError):
                continue
        raise WattprintError("amdsmi power info has no socket power")

    def _shutdown(self) -> None:
        try:
            self._smi.amdsmi_shut_down()
        except Exception:
            pass

    def close(self) -> None:
        super().close()
        if getattr(self, "_smi", None) is not None:
            self._shutdown()
            self._smi = None
