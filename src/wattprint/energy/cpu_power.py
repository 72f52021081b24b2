"""The CPU power table behind the estimation meter: TDP and thread count of common CPUs.

The estimation meter turns CPU time into energy with a *per-logical-CPU active
power*: ``TDP / hardware threads``. TDP is the vendor's sustained package power
at full load (all threads busy), so dividing by threads attributes the package's
full-load power to each busy thread; a VM's vCPU is one hardware thread.
Figures are vendor spec sheets (ark.intel.com, amd.com product pages), checked 2024.

This is a model, not a measurement: real package power depends on the
instruction mix, frequency (turbo can exceed TDP), SMT sharing and idle floor.
The estimation meter therefore labels the result ``model`` with a wide range.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CpuPower:
    """One CPU model: TDP (W) and hardware threads; ``w_per_thread`` is the model's figure."""

    family: str
    pattern: str
    tdp_w: float
    cores: int
    threads: int
    source: str = "vendor spec sheet"

    @property
    def w_per_thread(self) -> float:
        return self.tdp_w / self.threads


#: Specific models, matched as whole words in ``/proc/cpuinfo`` "model name" (case-insensitive).
CPU_TABLE: tuple[CpuPower, ...] = (
    # AMD EPYC (Rome 7002, Milan 7003, Genoa 9004)
    CpuPower("EPYC", "EPYC 7302", 155, 16, 32),
    CpuPower("EPYC", "EPYC 7402", 180, 24, 48),
    CpuPower("EPYC", "EPYC 7502", 180, 32, 64),
    CpuPower("EPYC", "EPYC 7742", 225, 64, 128),
    CpuPower("EPYC", "EPYC 7H12", 280, 64, 128),
    CpuPower("EPYC", "EPYC 7543", 225, 32, 64),
    CpuPower("EPYC", "EPYC 7713", 225, 64, 128),
    CpuPower("EPYC", "EPYC 7763", 280, 64, 128),
    CpuPower("EPYC", "EPYC 9554", 360, 64, 128),
    CpuPower("EPYC", "EPYC 9654", 360, 96, 192),
    # Intel Xeon Scalable (Cascade Lake, Ice Lake, Sapphire Rapids)
    CpuPower("Xeon", "Gold 6230", 125, 20, 40),
    CpuPower("Xeon", "Gold 6248", 150, 20, 40),
    CpuPower("Xeon", "Gold 6338", 205, 32, 64),
    CpuPower("Xeon", "Platinum 8358", 250, 32, 64),
    CpuPower("Xeon", "Platinum 8380", 270, 40, 80),
    CpuPower("Xeon", "Platinum 8480\\+", 350, 56, 112),
    # Desktop
    CpuPower("Core", "i7-12700K", 125, 12, 20),
    CpuPower("Core", "i9-12900K", 125, 16, 24),
    CpuPower("Core", "i9-13900K", 125, 24, 32),
    CpuPower("Ryzen", "Ryzen 7 5800X", 105, 8, 16),
    CpuPower("Ryzen", "Ryzen 9 5950X", 105, 16, 32),
    CpuPower("Ryzen", "Ryzen 9 7950X", 170, 16, 32),
)

#: Family fallbacks (W per logical CPU) when the exact model is hidden, as in most cloud VMs
#: ("AMD EPYC" alone): the median of that family's table rows.
FAMILY_W_PER_THREAD: dict[str, float] = {
    fam: statistics.median(r.w_per_thread for r in CPU_TABLE if r.family == fam)
    for fam in dict.fromkeys(r.family for r in CPU_TABLE)
}

#: How a family is recognised in the model name (checked in this order).
FAMILY_PATTERNS: dict[str, str] = {
    "EPYC": r"\bEPYC\b",
    "Xeon": r"\bXeon\b",
    "Ryzen": r"\bRyzen\b",
    "Core": r"\bCore\(TM\)|\bCore i[3579]\b",
}

#: Per-logical-CPU active power for a CPU in no row and no family (W): median of all rows.
DEFAULT_W_PER_THREAD: float = statistics.median(r.w_per_thread for r in CPU_TABLE)


@dataclass(frozen=True)
class CpuPowerChoice:
    """What the estimation meter uses: W per logical CPU and why."""

    model_name: str
    w_per_thread: float
    basis: str


def cpu_model_name() -> str:
    """The CPU model string from ``/proc/cpuinfo`` ("" when unavailable)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        import platform

        return platform.processor() or ""
    for line in text.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return ""


def choose_cpu_power(model_name: str | None = None) -> CpuPowerChoice:
    """Pick the per-logical-CPU power for ``model_name`` (default: this machine's CPU)."""
    name = cpu_model_name() if model_name is None else model_name
    for row in CPU_TABLE:
        if re.search(rf"\b{row.pattern}(?![\w+])", name, re.IGNORECASE):
            return CpuPowerChoice(
                name,
                row.w_per_thread,
                f"{row.pattern.replace(chr(92), '')}: TDP {row.tdp_w:g} W / {row.threads} threads ({row.source})",
            )
    for family, pattern in FAMILY_PATTERNS.items():
        watts = FAMILY_W_PER_THREAD[family]
        if re.search(pattern, name, re.IGNORECASE):
            return CpuPowerChoice(
                name, watts, f"{family} family median of the TDP table, {watts:.2f} W/thread (exact model unknown)"
            )
    return CpuPowerChoice(
        name, DEFAULT_W_PER_THREAD, f"unknown CPU: median of the TDP table, {DEFAULT_W_PER_THREAD:.2f} W/thread"
    )
