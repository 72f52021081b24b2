"""What a meter says about itself: :class:`MeterDescription`, returned by ``Meter.describe()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MeterDescription"]


@dataclass(frozen=True)
class MeterDescription:
    """One energy source as ``wattprint meters`` shows it and a result records it.

    ``method`` is the provenance method of its components (``counter``, ``power-integration``,
    ``model``...; comma-separated when they differ); ``measured`` is True only when every component
    is read from hardware (an estimated component is never counted as measured); ``scope`` says what
    the figures cover (``machine-wide``, ``whole device``, ``process tree of pid N``). A meter that
    could not be opened has ``available=False``, no components, and a ``reason`` (``absent``,
    ``unreadable``, ``unusable``...) and a ``fix``. ``unavailable``: (component, why) for components an
    open meter covers but cannot read (e.g. a RAPL domain whose counter is unreadable): never measured.
    """

    name: str
    available: bool = True
    components: tuple[str, ...] = ()
    method: str = ""
    measured: bool = False
    scope: str = ""
    detail: str = ""
    reason: str = ""
    fix: str = ""
    warnings: tuple[str, ...] = field(default=())
    unavailable: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The row ``wattprint meters --json`` prints: ``reason``/``fix`` when unavailable, else ``warnings``
        (and ``unavailable`` components when some cannot be read)."""
        row: dict[str, Any] = {"name": self.name, "available": self.available, "components": list(self.components),
                               "method": self.method, "scope": self.scope, "detail": self.detail}
        if not self.available:
            row.update(reason=self.reason, fix=self.fix)
        else:
            row["warnings"] = list(self.warnings)
        if self.unavailable:
            row["unavailable"] = dict(self.unavailable)
        return row

    @property
    def note(self) -> str:
        """Method, scope and detail in one line (what a result's ``environment.meters`` keeps)."""
        return "; ".join(x for x in (self.method, self.scope, self.detail) if x)
