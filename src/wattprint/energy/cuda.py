"""CUDA synchronisation at window edges, only when torch is already imported and CUDA initialised."""

from __future__ import annotations

import sys


def cuda_sync_if_initialised() -> bool:
    """Synchronise every CUDA device if this process already uses CUDA through torch.

    Never imports torch: a process that did not import it has no queued GPU work
    of its own. Returns True when a synchronisation happened.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    try:
        cuda = torch.cuda
        if not cuda.is_initialized():
            return False
        for i in range(cuda.device_count()):
            cuda.synchronize(i)
        return True
    except Exception:  # a broken CUDA context must not break measurement
        return False
