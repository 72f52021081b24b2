"""Open meters by name, auto-detect what this machine can measure, and explain it (doctor).

The meters are a :class:`~wattprint.contracts.registry.Registry` of openers (``METERS``): the four
built-in ones, and those of third-party packages that declare a ``wattprint.meters`` entry point
naming a :class:`~wattprint.energy.meter.Meter` subclass (opened with no arguments) or calling
:func:`register_meter` when their module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import cast

from wattprint.contracts.devices import GpuSelection
from wattprint.contracts.meters import MeterDescription
from wattprint.contracts.registry import Registry
from wattprint.energy.meter import Meter, MeterUnavailable, vendor_failure
from wattprint.energy.meterset import MeterSet
from wattprint.energy.notices import warn
from wattprint.errors import WattprintError

#: The built-in meters, in the order ``wattprint meters`` probes them.
METER_NAMES = ("rapl", "nvml", "amdsmi", "estimate")

#: Opens a meter for a GPU selection (meters without GPUs ignore it).
MeterOpener = Callable[[GpuSelection], Meter]


def _rapl(_gpus: GpuSelection) -> Meter:
    from wattprint.energy.rapl import RaplMeter

    return RaplMeter()


def _nvml(gpus: GpuSelection) -> Meter:
    from wattprint.energy.nvml import NvmlMeter

    return NvmlMeter(gpus)


def _amdsmi(gpus: GpuSelection) -> Meter:
    from wattprint.energy.amd import AmdSmiMeter

    return AmdSmiMeter(gpus)


def _estimate(_gpus: GpuSelection) -> Meter:
    from wattprint.energy.estimate import EstimateMeter

    return EstimateMeter()


#: Every meter by name: the built-in ones and plugins (``wattprint.meters`` entry points).
METERS: Registry[MeterOpener | type[Meter]] = Registry("meter", entry_point_group="wattprint.meters")
for _name, _opener in zip(METER_NAMES, (_rapl, _nvml, _amdsmi, _estimate), strict=True):
    METERS.register(_name, _opener)


def register_meter(name: str, opener: MeterOpener) -> None:
    """Make meter ``name`` available to ``--meter`` and :func:`open_meter` (not to auto-detection)."""
    METERS.register(name, opener)


def meter_names() -> list[str]:
    """Every meter name: the built-in ones in probe order, then plugins."""
    return [*METER_NAMES, *(n for n in METERS.names() if n not in METER_NAMES)]


def _unknown(name: str) -> WattprintError:
    return WattprintError(f"unknown meter {name!r}", hint=f"valid meters: {', '.join(meter_names())}")


def open_meter(name: str, *, gpus: GpuSelection = None) -> Meter:
    """Open one meter by name; raises :class:`MeterUnavailable` (with the reason and the fix) if it is
    unusable here. Any exception a vendor library raises while opening (not only ImportError) is
    turned into :class:`MeterUnavailable` naming it, never a crash."""
    canonical = METERS.canonical_or_none(name)
    if canonical is None:
        raise _unknown(name)
    opener = METERS.get(canonical)
    try:
        return opener() if isinstance(opener, type) else opener(gpus)  # a plugin's Meter subclass: no arguments
    except WattprintError:
        raise
    except Exception as exc:
        raise vendor_failure(canonical, "opening", exc,
                             f"use another meter (--meter estimate) or fix {canonical}") from exc


def open_meters(names: list[str] | None = None, *, gpus: GpuSelection = None) -> MeterSet:
    """Open meters as one :class:`MeterSet`.

    ``names=None`` auto-detects: RAPL if readable, else the estimation meter
    (loudly, with the reason); plus NVML and AMD SMI GPUs when present. If RAPL
    has no DRAM or psys domain, the estimation meter adds a ``ram`` component
    (labelled ``model``). Explicit ``names`` open exactly those meters and fail
    with the reason and the fix if one is unusable.

    ``gpus``: None = the GPUs this process can see (``CUDA_VISIBLE_DEVICES`` /
    ``HIP_VISIBLE_DEVICES``, else all), ``"all"``, or physical indices / UUIDs.
    """
    if names is not None:
        names = list(dict.fromkeys(names))
        bad = [n for n in names if n not in METERS]
        if bad:
            raise _unknown(bad[0])
        if not names:
            raise WattprintError("no meter named", hint=f"valid meters: {', '.join(meter_names())}")
        opened: list[Meter] = []
        try:
            for n in names:
                opened.append(open_meter(n, gpus=gpus))
                _require_complete(opened[-1])
            return MeterSet(opened)
        except BaseException:
            for m in opened:
                m.close()
            raise
    return _auto(gpus)


def _require_complete(meter: Meter) -> None:
    """An explicitly chosen meter must measure everything it covers: a RAPL domain it cannot
    read fails the run (auto-detection estimates it instead)."""
    unavailable = dict(meter.describe().unavailable)
    if unavailable:
        comp, why = next(iter(unavailable.items()))
        raise MeterUnavailable(
            f"{meter.name}: {comp} cannot be measured ({why})",
            hint="fix the counter, or drop --meter so that what cannot be read is estimated (and labelled so)",
            reason="unusable",
        )


def _auto(gpus: GpuSelection) -> MeterSet:
    from wattprint.energy.estimate import EstimateMeter
    from wattprint.energy.rapl import RaplMeter

    meters: list[Meter] = []
    notes: list[str] = []
    rapl: RaplMeter | None
    try:
        rapl = cast(RaplMeter, open_meter("rapl"))
    except MeterUnavailable as exc:
        rapl = None
        msg = f"CPU and RAM energy are ESTIMATED (model), not measured: RAPL unavailable: {exc.message}"
        notes.append(f"{msg}; fix: {exc.fix}")
        if exc.reason != "absent":  # present but unreadable: say so loudly
            warn(f"{msg}. Fix: {exc.fix}")
    if rapl is not None:
        meters.append(rapl)
        kinds = {d.kind for d in rapl.domains}
        estimated: list[str] = []
        for comp, why in rapl.unavailable.items():
            msg = f"RAPL {comp} is NOT MEASURED: {why}"
            notes.append(msg)
            warn(msg)
        if not kinds & {"package", "psys"}:
            estimated.append("cpu")
            notes.append("CPU energy is ESTIMATED (model): no readable RAPL package or psys counter")
        if not kinds & {"dram", "psys"}:
            estimated.append("ram")
            why = "unreadable" if any(c.startswith("dram") for c in rapl.unavailable) else "exposes no"
            notes.append(f"RAM energy is ESTIMATED (model): RAPL {why} DRAM or psys domain on this machine")
        if estimated:
            meters.append(EstimateMeter(components=tuple(estimated)))
    else:
        meters.append(EstimateMeter())
    gpu_found = False
    for name in ("nvml", "amdsmi"):
        if gpu_found and name == "amdsmi":
            notes.append("amdsmi not probed: NVIDIA GPUs already metered (one GPU vendor per set)")
            continue
        try:
            meters.append(open_meter(name, gpus=gpus))
            gpu_found = True
        except MeterUnavailable as exc:
            notes.append(f"{name}: {exc.message}")
            if exc.reason == "unusable":
                warn(f"{name}: {exc.message}. Fix: {exc.hint}")
    if not gpu_found:
        notes.append("no GPU metered")
    return MeterSet(meters, notes)


def describe() -> list[MeterDescription]:
    """What this machine can measure: one description per meter name, opened then closed (doctor).

    An unusable meter comes back with ``available=False``, its ``reason`` and the ``fix``; warnings
    raised while opening a usable one are kept in ``warnings``.
    """
    import warnings

    rows: list[MeterDescription] = []
    for name in meter_names():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                m = open_meter(name)
            except WattprintError as exc:  # a MeterUnavailable carries its reason; others are "unusable"
                reason = exc.reason if isinstance(exc, MeterUnavailable) else "unusable"
                rows.append(MeterDescription(name=name, available=False, detail=exc.message, reason=reason,
                                             fix=exc.hint))
                continue
        try:
            rows.append(replace(m.describe(), warnings=tuple(str(w.message) for w in caught)))
        finally:
            m.close()
    return rows


#: ``doctor`` is the same report under its CLI alias.
doctor = describe
