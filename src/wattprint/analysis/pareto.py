"""Pareto dominance on two axes, both to be made smaller (one place for every front of the analysis)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

__all__ = ["non_dominated"]


def non_dominated(items: Sequence[T], cost: Callable[[T], tuple[float, float]]) -> list[T]:
    """The items no other item dominates, in their given order.

    ``cost`` gives each item's two figures, both lower-is-better (negate a figure where higher is better).
    An item dominates another when it is no worse on both figures and strictly better on one; items with
    equal figures do not dominate each other, so all of them stay. A NaN figure compares false: such an item
    dominates nothing and nothing dominates it.
    """
    costs = [cost(item) for item in items]

    def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return a[0] <= b[0] and a[1] <= b[1] and (a[0] < b[0] or a[1] < b[1])

    return [item for item, c in zip(items, costs, strict=True) if not any(dominates(o, c) for o in costs)]
