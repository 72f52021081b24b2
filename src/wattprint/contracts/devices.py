"""Which device a run uses and which GPUs a meter reads: parsed in one place, without torch."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from wattprint.errors import WattprintError

__all__ = ["DEVICE_HINT", "Device", "GpuSelection", "parse_device"]

#: which GPUs an energy meter reads: None = those this process can see (``CUDA_VISIBLE_DEVICES`` /
#: ``HIP_VISIBLE_DEVICES``, else all), ``"all"``, or physical indices / UUIDs
GpuSelection = Sequence[int | str] | str | None

DEVICE_HINT = "use cpu, cuda, cuda:N or mps"
_DEVICE = re.compile(r"(cpu|cuda|mps)(?::(\d+))?")


@dataclass(frozen=True)
class Device:
    """A compute device: ``cpu``, ``cuda`` (the current GPU), ``cuda:N`` or ``mps``."""

    type: Literal["cpu", "cuda", "mps"]
    index: int | None = None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


def parse_device(text: str) -> Device:
    """The device ``text`` names (case and surrounding spaces ignored); anything else is a one-line error.

    Only ``cuda`` takes an index (``cuda:0``); ``cuda:x``, ``gpu`` or ``cpu:1`` are refused with the hint.
    """
    m = _DEVICE.fullmatch(str(text).strip().lower())
    if m is None or (m.group(2) is not None and m.group(1) != "cuda"):
        raise WattprintError(f"unknown device {text!r}", DEVICE_HINT)
    kind = m.group(1)
    index = int(m.group(2)) if m.group(2) is not None else None
    return Device(type=kind, index=index)  # type: ignore[arg-type]
