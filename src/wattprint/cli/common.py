"""Options and output helpers shared by every command."""

from __future__ import annotations

import json
import sys
from typing import Any, overload

import typer
from rich.console import Console

console = Console(highlight=False)

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object instead of tables.")
DB_OPTION = typer.Option(
    None, "--db", envvar="WATTPRINT_DB", help="Result store (default ./wattprint.db)."
)


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
