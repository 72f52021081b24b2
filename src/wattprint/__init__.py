"""wattprint: measure the energy and carbon of AI inference, with provenance.

Layers (each importable without the ones above it):
energy < carbon < results; workloads; bench; analysis < report; sweep; cli.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "track"]


def __getattr__(name: str):  # lazy: importing wattprint stays cheap
    if name == "track":
        from wattprint.energy.track import track

        return track
    raise AttributeError(name)
