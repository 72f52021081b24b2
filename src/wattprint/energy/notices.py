"""Warnings the energy layer raises when it degrades (falls back, skips a domain, drops a sample).

They are ordinary :mod:`warnings` of category :class:`MeterWarning`, so a library
user can filter or escalate them, and the CLI prints them in full. Falling back
to estimation is never silent.
"""

from __future__ import annotations

import warnings


class MeterWarning(UserWarning):
    """A meter degraded: fallback to estimation, skipped domain, dropped sample."""


def warn(message: str) -> None:
    """Emit a :class:`MeterWarning` attributed to the caller of the energy layer."""
    warnings.warn(message, MeterWarning, stacklevel=3)
