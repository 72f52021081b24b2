"""RAPL through Linux powercap: package, DRAM and psys energy counters (machine-wide).

Layout (``/sys/class/powercap``, or ``$WATTPRINT_POWERCAP_ROOT``)::

    intel-rapl:0/          name=package-0   energy_uj  max_energy_range_uj
    intel-rapl:0/intel-rapl:0:0  name=core   (inside package: ignored)
    intel-rapl:0/intel-rapl:0:2  name=dram   -> dram:0
    intel-rapl:1/          name=psys        (platform: contains the packages)
    intel-rapl-mmio:0/     name=package-0   (same package via MMIO: a duplicate, dropped)

AMD CPUs expose the same layout (``package-N`` and ``core``, no DRAM).

Domain policy (explicit, see :data:`POLICIES`): ``auto`` takes every package
plus its DRAM when any package domain exists, otherwise psys alone; psys and
package are never added together (psys already contains the packages).

Counters are differenced; a wrap at ``max_energy_range_uj`` adds the range
back. A daemon poller reads the counters more often than they can wrap, so
several wraps inside one window are all counted. A failed read keeps the last
good value (and warns once); an interval implying more than
:data:`MAX_PLAUSIBLE_W` is dropped (and warns): never a negative or absurd delta.
A window whose first or last read of a counter failed, or during which a counter went
unread longer than it can take to wrap, is told so through the :class:`~wattprint.energy.types.Reading`
of :meth:`RaplMeter.reading` (a :class:`~wattprint.energy.types.CounterFault`), and reports
that component as estimated, not measured (see :mod:`wattprint.energy.unread`).
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from wattprint.contracts.meters import MeterDescription
from wattprint.energy.meter import Meter, MeterUnavailable
from wattprint.energy.notices import warn
from wattprint.energy.poller import Poller
from wattprint.energy.types import CounterFault, Method, Provenance, Reading
from wattprint.errors import WattprintError, one_line

ENV_ROOT = "WATTPRINT_POWERCAP_ROOT"
DEFAULT_ROOT = "/sys/class/powercap"
#: ``auto``: packages (+ their DRAM) when present, else psys; ``package``: packages + DRAM only;
#: ``psys``: psys only. Never package and psys together.
POLICIES = ("auto", "package", "psys")
#: Power assumed when choosing the wrap-guard poll period (W per domain, generous).
ASSUMED_MAX_W = 500.0
#: An interval implying more than this per domain is a glitch and is dropped (W).
MAX_PLAUSIBLE_W = 5000.0
#: Poll period bounds for the wrap guard (s).
MIN_PERIOD_S, MAX_PERIOD_S = 0.05, 60.0

_ZONE_RE = re.compile(r"^intel-rapl(-mmio)?:\d+(:\d+)*$")


def powercap_root() -> Path:
    """The powercap root: ``$WATTPRINT_POWERCAP_ROOT`` or ``/sys/class/powercap``."""
    return Path(os.environ.get(ENV_ROOT) or DEFAULT_ROOT)


def permission_fix(root: Path | None = None) -> str:
    """The exact commands that grant read access to the RAPL counters."""
    root = root or powercap_root()
    return (
        f"sudo chmod o+r {root}/intel-rapl:*/energy_uj {root}/intel-rapl:*/intel-rapl:*/energy_uj  (until reboot); "
        'to persist: echo \'ACTION=="add", SUBSYSTEM=="powercap", RUN+="/bin/chmod o+r /sys%p/energy_uj"\' '
        "| sudo tee /etc/udev/rules.d/99-wattprint-rapl.rules && sudo udevadm trigger --action=add "
        "--subsystem-match=powercap  (root-only since CVE-2020-8694; on shared machines grant a group instead)"
    )


class RaplUnavailable(MeterUnavailable):
    """RAPL cannot be used here; ``reason`` is absent | denied | unusable, ``fix`` says what to do."""


#: A sysfs attribute is a few bytes; more than this is not a counter (B).
MAX_ATTR_BYTES = 4096


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def _read_text(path: Path) -> str:
    """Read a small sysfs attribute without ever blocking: a FIFO, a device or a directory in its
    place is an error (OSError), not a hang; the content is ASCII (UnicodeDecodeError otherwise)."""
    with open(path, "rb", opener=_nonblocking) as f:  # noqa: PTH123 - plain open: patchable in tests
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError("not a regular file (a FIFO, device or socket)")
        data = f.read(MAX_ATTR_BYTES + 1)
    if len(data) > MAX_ATTR_BYTES:
        raise ValueError(f"more than {MAX_ATTR_BYTES} bytes, not a counter")
    return data.decode("ascii")


def _read_int(path: Path) -> int:
    """Read one non-negative integer from a sysfs file (OSError / ValueError / UnicodeDecodeError on failure)."""
    text = _read_text(path).strip()
    if not re.fullmatch(r"[0-9]{1,30}", text):
        raise ValueError(f"expected a non-negative integer, found {text[:40]!r}")
    return int(text)


@dataclass
class RaplDomain:
    """One powercap zone chosen for metering."""

    zone: str
    path: Path
    kind: str  # package | dram | psys
    component: str  # cpu:N | dram:N | psys
    max_range_uj: int | None
    mmio: bool = False
    # accumulation state
    last_raw: int = 0
    acc_uj: int = 0
    last_t: float = 0.0
    wraps: int = 0
    failed_reads: int = 0
    dropped: int = 0
    warned: set[str] = field(default_factory=set)
    opened_t: float = 0.0  # monotonic time of the read at open (s)
    stale: str = ""  # why the latest read failed ("" when it succeeded)
    gaps: int = 0  # stretches without a good read longer than the fastest wrap
    gap_note: str = ""  # the latest such stretch, in words
    dropped_note: str = ""  # the latest interval dropped as a glitch, in words
    #: shortest time the counter can take to wrap, at :data:`ASSUMED_MAX_W` (s); None if the range is unknown
    fastest_wrap_s: float | None = field(init=False)
    energy_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.fastest_wrap_s = self.max_range_uj / 1e6 / ASSUMED_MAX_W if self.max_range_uj else None
        self.energy_path = self.path / "energy_uj"

    def fault(self, now: float) -> CounterFault:
        """This domain's :class:`CounterFault` as of ``now`` (monotonic s)."""
        covered = self.last_t - self.opened_t
        return CounterFault(
            stale=self.stale,
            stale_s=max(0.0, now - self.last_t) if self.stale else 0.0,
            gaps=self.gaps,
            gap_note=self.gap_note,
            dropped=self.dropped,
            dropped_note=self.dropped_note,
            mean_power_w=self.acc_uj / 1e6 / covered if covered > 0 else None,
        )


@dataclass
class _Zone:
    zone: str
    path: Path
    name: str
    mmio: bool


def _zones(root: Path, problems: list[str]) -> list[_Zone]:
    """Every RAPL zone under ``root`` (flat sysfs listing and nested directories), by zone id."""
    found: dict[str, _Zone] = {}
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(d.iterdir())
        except OSError:
            continue
        for e in entries:
            if not _ZONE_RE.match(e.name) or e.name in found or not e.is_dir():
                continue
            try:
                name = _read_text(e / "name").strip()
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                problems.append(f"{e / 'name'}: unreadable ({exc.__class__.__name__})")
                continue
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", name):
                problems.append(f"{e / 'name'}: unexpected content {name[:40]!r}")
                continue
            found[e.name] = _Zone(e.name, e, name, e.name.startswith("intel-rapl-mmio"))
            stack.append(e)
    return sorted(found.values(), key=lambda z: (z.mmio, [int(x) for x in z.zone.split(":")[1:]]))


@dataclass
class Discovery:
    """What :func:`discover` found: the domains to meter, the components that cannot be
    measured (component -> reason), and the problems met on the way (one line each)."""

    domains: list[RaplDomain]
    unavailable: dict[str, str]
    problems: list[str]


def discover(root: Path, policy: str = "auto") -> Discovery:
    """Choose the domains to meter under ``root``.

    A chosen domain whose ``energy_uj`` cannot be read as a counter (garbage, negative, empty,
    binary, a directory, a FIFO) makes its kind unavailable: every package (CPU) domain when one
    package is unreadable, every DRAM domain when one DRAM is (a partial sum over sockets would
    silently undercount). Those components go to ``unavailable`` with the reason, and the caller
    estimates them. Raises :class:`RaplUnavailable` when no domain at all is usable.
    """
    if policy not in POLICIES:
        raise WattprintError(f"unknown RAPL domain policy {policy!r}", hint=f"one of {list(POLICIES)}")
    if not root.is_dir():
        raise RaplUnavailable(
            f"no powercap tree at {root} (no RAPL: a VM, a non-x86 CPU, or the intel_rapl driver not loaded)",
            hint="on bare-metal x86 Linux: sudo modprobe intel_rapl_msr; in a VM RAPL is usually not exposed",
            reason="absent",
        )
    problems: list[str] = []
    zones = _zones(root, problems)
    packages: dict[int, _Zone] = {}
    drams: list[tuple[int, _Zone]] = []
    psys: list[_Zone] = []
    by_id = {z.zone: z for z in zones}
    for z in zones:
        m = re.fullmatch(r"package-(\d+)", z.name)
        if m:
            sock = int(m.group(1))
            if sock in packages:  # intel-rapl-mmio duplicate of a package (non-mmio sorted first)
                continue
            packages[sock] = z
        elif z.name == "dram":
            parts = z.zone.split(":")
            parent = by_id.get(":".join(parts[:-1])) if len(parts) > 2 else None
            pm = re.fullmatch(r"package-(\d+)", parent.name) if parent else None
            sock = int(pm.group(1)) if pm else int(parts[1])
            if z.mmio or any(s == sock for s, _ in drams):
                continue
            drams.append((sock, z))
        elif z.name == "psys" and not z.mmio:
            psys.append(z)
    if policy == "psys" or (policy == "auto" and not packages):
        chosen = [("psys" if len(psys) == 1 else f"psys:{i}", "psys", z) for i, z in enumerate(psys)]
    else:
        chosen = [(f"cpu:{s}", "package", z) for s, z in sorted(packages.items())]
        chosen += [(f"dram:{s}", "dram", z) for s, z in sorted(drams)]
    if not chosen:
        what = {"auto": "package or psys", "package": "package", "psys": "psys"}[policy]
        detail = f" ({'; '.join(problems)})" if problems else ""
        raise RaplUnavailable(
            f"no usable RAPL {what} domain under {root}{detail}",
            hint="check the powercap tree (ls -R) or choose another policy / meter",
            reason="unusable" if (problems or zones) else "absent",
        )
    domains: list[RaplDomain] = []
    denied: list[str] = []
    broken: dict[str, str] = {}
    for comp, kind, z in chosen:
        try:
            raw = _read_int(z.path / "energy_uj")
        except PermissionError:
            denied.append(str(z.path / "energy_uj"))
            continue
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            detail = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
            reason = one_line(f"{z.path / 'energy_uj'} unreadable: {detail}", 240)
            problems.append(reason)
            broken[comp] = reason
            continue
        try:
            max_uj: int | None = _read_int(z.path / "max_energy_range_uj")
            if max_uj == 0:
                raise ValueError("max_energy_range_uj is 0")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            max_uj = None
            problems.append(
                f"{z.path / 'max_energy_range_uj'}: unreadable ({exc.__class__.__name__}); "
                "a wrap will be counted from zero (a lower bound)"
            )
        t = time.monotonic()
        domains.append(RaplDomain(z.zone, z.path, kind, comp, max_uj, z.mmio, last_raw=raw, last_t=t, opened_t=t))
    if denied:
        raise RaplUnavailable(
            f"permission denied reading RAPL counters ({denied[0]}{' ...' if len(denied) > 1 else ''})",
            hint=permission_fix(root),
            reason="denied",
        )
    unavailable: dict[str, str] = {}
    for kind in ("package", "dram", "psys"):
        bad = [c for c, k, _ in chosen if k == kind and c in broken]
        if not bad:
            continue
        for d in [d for d in domains if d.kind == kind]:
            unavailable[d.component] = f"not used: {bad[0]} is unreadable and a partial sum would undercount"
            domains.remove(d)
        for c in bad:
            unavailable[c] = broken[c]
    if not domains:
        raise RaplUnavailable(
            f"no readable RAPL counter under {root}: {problems[0] if problems else 'unknown'}",
            hint="check the powercap tree or use --meter estimate",
            reason="unusable",
        )
    return Discovery(domains, dict(sorted(unavailable.items())), problems)


def _cpu_vendor_is_amd() -> bool:
    try:
        return "AuthenticAMD" in Path("/proc/cpuinfo").read_text(errors="replace")[:4000]
    except OSError:
        return False


class RaplMeter(Meter):
    """Energy counters from Linux powercap RAPL (J; machine-wide, per socket).

    Args:
        root: powercap root (default ``$WATTPRINT_POWERCAP_ROOT`` or ``/sys/class/powercap``).
        policy: ``auto`` | ``package`` | ``psys`` (see :data:`POLICIES`).
        poll_period_s: wrap-guard period (s); default from the smallest counter range, assuming
            :data:`ASSUMED_MAX_W` per domain, a quarter of the fastest possible wrap.
        start_poller: run the background wrap guard (tests may call :meth:`sample` instead).
    """

    name = "rapl"

    def __init__(
        self,
        root: str | Path | None = None,
        policy: str = "auto",
        *,
        poll_period_s: float | None = None,
        start_poller: bool = True,
        max_plausible_w: float = MAX_PLAUSIBLE_W,
    ) -> None:
        self.root = Path(root) if root is not None else powercap_root()
        self.policy = policy
        self.max_plausible_w = float(max_plausible_w)
        found = discover(self.root, policy)
        self.domains, self.problems = found.domains, found.problems
        #: components RAPL has but cannot measure here (component -> reason); estimated by the caller
        self.unavailable: dict[str, str] = found.unavailable
        for p in self.problems:
            warn(f"rapl: {p}")
        if poll_period_s is None:
            ranges = [d.max_range_uj for d in self.domains if d.max_range_uj]
            fastest_wrap_s = min(ranges) / 1e6 / ASSUMED_MAX_W if ranges else 40.0
            poll_period_s = min(MAX_PERIOD_S, max(MIN_PERIOD_S, fastest_wrap_s / 4))
        self.poll_period_s = float(poll_period_s)
        self._amd = _cpu_vendor_is_amd()
        self._lock = threading.Lock()
        self._by_comp = {d.component: d for d in self.domains}
        self._poller = Poller(self.sample, self.poll_period_s, "wattprint-rapl").start() if start_poller else None

    def components(self) -> list[str]:
        return [d.component for d in self.domains]

    def provenance(self, component: str) -> Provenance:
        d = self._by_comp.get(component)
        if d is None:
            raise WattprintError(f"rapl meter has no component {component!r}", hint=f"one of {self.components()}")
        if self._amd:
            lo, hi, basis = -0.15, 0.15, "AMD RAPL is a model-based estimate inside the CPU"
        elif d.kind == "dram":
            lo, hi, basis = -0.1, 0.1, "DRAM RAPL, within ~10% in published validations"
        else:
            lo, hi, basis = -0.05, 0.05, "package RAPL, within ~5% of wall measurements since Haswell"
        scope = "machine-wide: every process on the platform" if d.kind == "psys" else "machine-wide: every process"
        wrap = f"wraps at {d.max_range_uj} uJ" if d.max_range_uj else "wrap range unknown: a wrap counts from 0"
        return Provenance(
            source="rapl",
            method=Method.COUNTER,
            sampling_period_s=self.poll_period_s,
            uncertainty_low=lo,
            uncertainty_high=hi,
            note=f"{d.zone} ({d.kind}{', mmio' if d.mmio else ''}); {wrap}; {basis}; {scope}",
        )

    def _update(self, d: RaplDomain, now: float) -> None:
        try:
            raw = _read_int(d.energy_path)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            d.failed_reads += 1
            detail = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
            d.stale = one_line(f"failed read of {d.energy_path} ({exc.__class__.__name__}{': ' if detail else ''}"
                               f"{detail})", 240)
            if "read" not in d.warned:
                d.warned.add("read")
                warn(f"rapl: {d.stale}; keeping the last good value")
            return
        d.stale = ""
        wrap_s = d.fastest_wrap_s
        if wrap_s is not None and now - d.last_t > wrap_s:
            d.gaps += 1
            d.gap_note = (f"{d.energy_path} went unread for {now - d.last_t:.3g} s, longer than the {wrap_s:.3g} s "
                          f"it can take to wrap at {ASSUMED_MAX_W:.0f} W: a wrap may be missing")
            warn(f"rapl: {d.gap_note}")
        delta = raw - d.last_raw
        if delta < 0:
            if d.max_range_uj is not None and raw <= d.max_range_uj and d.last_raw <= d.max_range_uj:
                delta += d.max_range_uj
                d.wraps += 1
            else:
                delta = raw  # range unknown (or counter reset): count from zero, a lower bound
                if "wrap" not in d.warned:
                    d.warned.add("wrap")
                    warn(f"rapl: {d.zone} went backwards with no usable wrap range; counted from zero (lower bound)")
        dt = max(now - d.last_t, 1.0)
        if delta / 1e6 > self.max_plausible_w * dt:
            d.dropped += 1
            d.dropped_note = (f"{d.energy_path} jumped {delta / 1e6:.0f} J in {now - d.last_t:.3g} s (above "
                              f"{self.max_plausible_w:.0f} W): that interval was dropped as a glitch, "
                              "its energy unknown")
            warn(f"rapl: {d.zone} jumped {delta / 1e6:.0f} J in {now - d.last_t:.3g} s; interval dropped as a glitch")
            delta = 0
        d.acc_uj += delta
        d.last_raw, d.last_t = raw, now

    def sample(self) -> None:
        """Read every counter once and fold the deltas in (the wrap-guard poller calls this)."""
        with self._lock:
            now = time.monotonic()
            for d in self.domains:
                self._update(d, now)

    def reading(self) -> Reading:
        """Read every counter once: cumulative joules, and a :class:`CounterFault` for each domain whose
        read just failed or that ever went unread longer than it can take to wrap."""
        with self._lock:
            now = time.monotonic()
            for d in self.domains:
                self._update(d, now)
            joules = {d.component: d.acc_uj / 1e6 for d in self.domains}
            faults = {d.component: d.fault(now) for d in self.domains if d.stale or d.gaps or d.dropped}
        return Reading(joules, faults)

    def read(self) -> dict[str, float]:
        return self.reading().joules

    def close(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    def describe(self) -> MeterDescription:
        kinds = sorted({d.kind for d in self.domains})
        return MeterDescription(
            name=self.name,
            components=tuple(self.components()),
            method=Method.COUNTER.value,
            measured=self.all_components_measured(),
            scope="machine-wide",
            detail=f"{self.root}: {', '.join(kinds)} (policy {self.policy}; psys never added to package); "
            f"wrap guard every {self.poll_period_s:.3g} s"
            + "".join(f"; {c} NOT MEASURED ({why})" for c, why in self.unavailable.items()),
            unavailable=tuple(self.unavailable.items()),
        )
