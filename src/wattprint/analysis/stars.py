"""Star ratings 1-5 within a task: equal-width bins on log10 energy.

Rule (see docs/reports.md for why): within a group, take each model's mean Wh
per 1,000 inferences, ``v``; with ``lo``/``hi`` the group's smallest and largest,

    stars = 5 - floor(5 * (log10 v - log10 lo) / (log10 hi - log10 lo)), clamped to 1..5

so each star is the same *factor* of energy (``(hi/lo) ** (1/5)``), not the same
number of models. The result depends only on the set of values: ties get the
same stars, input order does not matter, and a value on a bin edge goes to the
bin above it (fewer stars), except ``hi`` itself which is 1 star. A group with
fewer than two distinct values is not rated (``None``): there is nothing to be
relatively good or bad against.

Groups are tasks; text generation is split into size classes like AI Energy
Score: <=20B, <=66B, >66B parameters (and ``size unknown``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["SIZE_CLASSES", "size_class", "star_ratings", "star_edges"]

SIZE_CLASSES = ("<=20B", "<=66B", ">66B")
SIZED_TASKS = frozenset({"text-generation"})
_FLOOR_WH = 1e-12  # log10 of 0 is undefined; a zero reading ranks as the best


def size_class(task: str, parameters: int | None) -> str | None:
    """AI Energy Score size class for text generation (None for other tasks)."""
    if task not in SIZED_TASKS:
        return None
    if not parameters:
        return "size unknown"
    if parameters <= 20e9:
        return "<=20B"
    if parameters <= 66e9:
        return "<=66B"
    return ">66B"


def star_edges(values: Mapping[str, float] | list[float]) -> list[float] | None:
    """The 4 inner bin edges in Wh (5 stars below the first), or None when not rated."""
    vals = list(values.values()) if isinstance(values, Mapping) else list(values)
    logs = [math.log10(max(v, _FLOOR_WH)) for v in vals]
    if len(set(logs)) < 2:
        return None
    lo, hi = min(logs), max(logs)
    return [10 ** (lo + (hi - lo) * k / 5) for k in range(1, 5)]


def star_ratings(values: Mapping[str, float]) -> dict[str, int | None]:
    """Stars 1-5 per key from energy values (Wh per 1,000; lower is better), by log-width bins."""
    logs = {k: math.log10(max(v, _FLOOR_WH)) for k, v in values.items()}
    if len(set(logs.values())) < 2:
        return {k: None for k in values}
    lo, hi = min(logs.values()), max(logs.values())
    out: dict[str, int | None] = {}
    for k, lv in logs.items():
        b = math.floor(5 * (lv - lo) / (hi - lo) + 1e-12)
        out[k] = max(1, min(5, 5 - b))
    return out
