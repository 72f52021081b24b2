"""Options and output helpers shared by every command."""

from __future__ import annotations

import functools
import gc
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar, overload

import typer
from rich.console import Console

console = Console(highlight=False)

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object instead of tables.")
DB_OPTION = typer.Option(
    None, "--db", envvar="WATTPRINT_DB", help="Result store (default ./wattprint.db)."
)


F = TypeVar("F", bound=Callable[..., Any])


def without_gc_pauses(command: F) -> F:
    """Run ``command`` with the cyclic garbage collector paused (collected once it returns).

    For commands that load a million runs as columns: they create millions of acyclic objects
    (strings, floats), and each automatic full collection walks all of them (a tenth of
    ``report``'s time over a million runs). Reference counting still frees them as usual.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return run  # type: ignore[return-value]


def print_json(obj: Any) -> None:
    """Print ``obj`` (dict, list or pydantic model) as JSON on stdout."""
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(mode="json")
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def fmt(x: float | None, digits: int = 4) -> str:
    """A compact number: ``-`` for missing, ``digits`` significant digits (whole numbers from 1,000 up)."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def fmt_half(half: float | None) -> str:
    """An interval's half-width for a table column: two significant digits, never in exponent form
    (``<0.001`` below a thousandth, so a tight interval doesn't widen the column and cut the names)."""
    if half is not None and 0 < half < 0.001:
        return "<0.001"
    return fmt(half, 2)


@overload
def task_filter(name: str) -> str: ...
@overload
def task_filter(name: None) -> None: ...
def task_filter(name: str | None) -> str | None:
    """A ``--task`` filter as stored: a known alias (``qa``, ``sentiment-analysis``) becomes its task's name;
    other names (tasks of imported logs) stay as given."""
    if not name:
        return name
    from wattprint.errors import WattprintError
    from wattprint.workloads.base import task_class

    try:
        return task_class(name).name
    except WattprintError:
        return name
