"""Options and output helpers shared by every command."""

from __future__ import annotations

import functools
import gc
import json
import re
import secrets
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

import typer
from rich.console import Console

console = Console(highlight=False)
#: errors, warnings and progress: stderr, so that --json output stays clean
err_console = Console(stderr=True, highlight=False)

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
    """Print ``obj`` (dict, list or pydantic model) as JSON on stdout (``json.dumps(obj, indent=2)``'s text)."""
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(mode="json")
    sys.stdout.write(json_text(obj) + "\n")


#: a list of at least this many strings is encoded apart, in C loops (see :func:`json_text`)
_LONG_LIST = 1000


def json_text(obj: Any) -> str:
    """``json.dumps(obj, indent=2, default=str)``, the same text byte for byte, faster for long lists of strings.

    With ``indent`` the standard library encodes in Python, a few hundred nanoseconds per value (half a
    second for a report's million run ids). Lists of at least :data:`_LONG_LIST` strings (inside dicts
    and lists) are encoded here instead, each string by the encoder's own C function (or, when none has a
    character it escapes, ``json.encoder.ESCAPE_ASCII``: outside ASCII ' ' to '~', or a quote or backslash,
    each as it is between quotes), joined with the
    indentation ``indent=2`` gives them; the rest is encoded as before, with a placeholder (a random
    nonce) where each such list goes, then replaced.
    """
    from json.encoder import encode_basestring_ascii

    nonce = secrets.token_hex(8)
    lists: list[Sequence[str]] = []

    def swap(value: Any) -> Any:
        if type(value) is dict:
            return {k: swap(v) for k, v in value.items()}
        if type(value) is list or type(value) is tuple:
            if len(value) >= _LONG_LIST and set(map(type, value)) == {str}:
                lists.append(value)
                return f"{nonce}-{len(lists) - 1}"
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(obj), indent=2, default=str)
    if not lists:
        return text

    spaces = re.compile(" *")

    def render(m: re.Match[str]) -> str:  # the list's items one level deeper than its line, "]" on its own
        line = text.rfind("\n", 0, m.start()) + 1
        pad = "\n" + " " * (spaces.match(text, line).end() - line)  # type: ignore[union-attr]
        strings, sep = lists[int(m.group(1))], "," + pad + "  "
        probe = " ".join(strings)
        if probe.isascii() and probe.isprintable() and '"' not in probe and "\\" not in probe:  # = no ESCAPE_ASCII
            # nothing the encoder escapes (run ids): each string is itself between quotes
            items = '"' + ('"' + sep + '"').join(strings) + '"'
        else:
            items = sep.join(map(encode_basestring_ascii, strings))
        return "[" + pad + "  " + items + pad + "]"

    return re.sub(f'"{nonce}-([0-9]+)"', render, text)


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
