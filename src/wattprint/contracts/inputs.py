"""What a task's input loading hands the bench: :class:`Inputs` (items, distinct rows, source)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = ["DATASET_SOURCES", "DatasetSource", "Inputs"]

#: where a dataset comes from: built-in generated items, a local file or folder, a Hub dataset
DatasetSource = Literal["synthetic", "local", "hub"]
DATASET_SOURCES: tuple[str, ...] = get_args(DatasetSource)


@dataclass(frozen=True)
class Inputs:
    """Exactly the ``n`` raw items a run asked for, and where they came from.

    ``distinct`` is the number of distinct source rows behind ``items``: a source shorter than ``n``
    is cycled (item ``i`` is row ``i % distinct``) and the record says so. ``source`` is one of
    :data:`DATASET_SOURCES`; an unknown one is an error, never silently re-labelled.
    """

    items: list[Any]
    distinct: int
    source: DatasetSource

    def __post_init__(self) -> None:
        if self.source not in DATASET_SOURCES:
            raise ValueError(f"unknown dataset source {self.source!r} (one of {', '.join(DATASET_SOURCES)})")
        if not 0 <= self.distinct <= len(self.items):
            raise ValueError(f"distinct rows {self.distinct} must be between 0 and the {len(self.items)} items")

    @property
    def cycled(self) -> bool:
        """True when fewer distinct rows than items were available (rows repeated to reach ``n``)."""
        return self.distinct < len(self.items)
