"""Which GPUs this process uses: ``CUDA_VISIBLE_DEVICES`` / ``HIP_VISIBLE_DEVICES`` parsing."""

from __future__ import annotations

import os


def visible_entries(var: str = "CUDA_VISIBLE_DEVICES", env: dict[str, str] | None = None) -> list[str] | None:
    """Entries of a ``*_VISIBLE_DEVICES`` variable, or None when it is unset (all devices visible).

    Follows CUDA's rules: comma-separated indices or UUIDs (``GPU-...``, a unique
    prefix is enough); an empty value or ``-1`` hides every device; parsing stops
    at the first invalid entry (later ones are ignored by CUDA too).
    """
    env = os.environ if env is None else env
    raw = env.get(var)
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
