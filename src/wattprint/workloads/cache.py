"""Where workloads keep small generated files (trained tokenizers, parameter counts)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(sub: str = "") -> Path:
    """The wattprint cache directory (``$WATTPRINT_CACHE``, else ``~/.cache/wattprint``), created on demand."""
    root = os.environ.get("WATTPRINT_CACHE")
    if root:
        base = Path(root).expanduser()
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "wattprint"
    path = base / sub if sub else base
    path.mkdir(parents=True, exist_ok=True)
    return path
