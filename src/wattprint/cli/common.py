"""Options and output helpers shared by every command."""

from __future__ import annotations

import functools
import gc
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

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
