"""Which GPUs a meter reads: ``CUDA_VISIBLE_DEVICES`` / ``HIP_VISIBLE_DEVICES`` parsing and the one
GPU-selection rule (:func:`select_indices`) that the NVML and AMD SMI meters share."""

from __future__ import annotations

import os
from collections.abc import Mapping

from wattprint.contracts.devices import GpuSelection
from wattprint.energy.notices import warn
from wattprint.errors import WattprintError


def visible_entries(var: str = "CUDA_VISIBLE_DEVICES", env: Mapping[str, str] | None = None) -> list[str] | None:
    """Entries of a ``*_VISIBLE_DEVICES`` variable, or None when it is unset (all devices visible).

    Follows CUDA's rules: comma-separated indices or UUIDs (``GPU-...``, a unique
    prefix is enough); an empty value or ``-1`` hides every device; parsing stops
    at the first invalid entry (later ones are ignored by CUDA too).
    """
    raw = (os.environ if env is None else env).get(var)
    if raw is None:
        return None
    out: list[str] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            break
        if item.lstrip("-").isdigit():
            if int(item) < 0:
                break
            out.append(str(int(item)))
        elif item.upper().startswith(("GPU-", "MIG-")):
            out.append(item)
        else:
            break
    return out


def match_devices(entries: list[str], indices: list[int], uuids: list[str]) -> tuple[list[int], list[str]]:
    """Map visible-device entries to physical indices; returns (indices, entries ignored).

    ``indices[k]`` and ``uuids[k]`` describe physical device k (NVML / SMI order).
    As CUDA does, the first entry that matches no device hides it and every later one.
    """
    chosen: list[int] = []
    unmatched: list[str] = []
    for e in entries:
        if e.isdigit():
            i = int(e)
            hit = [i] if i in indices else []
        else:
            key = e.upper()
            hit = [indices[k] for k, u in enumerate(uuids) if u.upper().startswith(key)]
            if len(hit) > 1:
                hit = []
        if not hit:
            unmatched = entries[entries.index(e) :]
            break
        if hit[0] not in chosen:
            chosen.append(hit[0])
    return chosen, unmatched


def select_indices(
    gpus: GpuSelection,
    indices: list[int],
    uuids: list[str],
    var: str = "CUDA_VISIBLE_DEVICES",
    who: str = "nvml",
) -> tuple[list[int], str]:
    """Physical indices to meter and a sentence saying why.

    ``gpus``: None = the devices this process can see (``var`` when set, else all);
    ``"all"`` = every device; a list of physical indices or UUIDs (the same
    notation ``CUDA_VISIBLE_DEVICES`` takes).
    """
    if gpus == "all":
        return list(indices), "all GPUs (gpus='all')"
    if gpus is None:
        entries = visible_entries(var)
        if entries is None:
            return list(indices), f"all GPUs ({var} unset)"
        why = f"{var}={','.join(entries) or '(empty)'}"
    elif isinstance(gpus, str):
        raise WattprintError(f"bad GPU selection {gpus!r}", hint="use None, 'all' or a list of indices / UUIDs")
    else:
        entries = [str(g) for g in gpus]
        why = f"gpus={entries}"
    chosen, ignored = match_devices(entries, indices, uuids)
    if ignored:
        msg = f"{why}: no GPU matches {ignored[0]!r}; it and later entries are ignored (devices: {indices})"
        if gpus is not None:
            raise WattprintError(msg, hint=f"valid indices: {indices}")
        warn(f"{who}: {msg}")
    return chosen, why
