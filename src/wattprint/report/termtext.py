"""Text from users and files, made safe for a terminal; names that stay on one line.

Anything that came from a user or a file (model, task, dataset, column, region,
project and sweep names, error reasons, paths) is printed through these helpers:

* :func:`clean` replaces every control character (C0, DEL, C1, line and
  paragraph separators, bidirectional overrides) by a visible escape such as
  ``\\x1b``, so ANSI colour (CSI), window-title (OSC) and other terminal
  sequences stored in a name are shown, never executed;
* :func:`markup_safe` also escapes rich markup (``[/bold]``), for user text put
  into a markup string;
* :func:`plain` gives a :class:`rich.text.Text`, never parsed as markup;
* :class:`OneLine` is a table cell that never wraps: when its column is too
  narrow it is shortened in the middle with an ellipsis (``bert-b…uncased``).
"""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.text import Text

__all__ = ["clean", "markup_safe", "plain", "shorten_middle", "OneLine", "ELLIPSIS"]

ELLIPSIS = "…"

#: characters a terminal may act on: C0 controls, DEL, C1 controls, line/paragraph
#: separators and bidirectional embeddings/overrides/isolates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_NL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    return repr(m.group())[1:-1]  # '\x1b' -> '\\x1b', '\n' -> '\\n', '\u202e' -> '\\u202e'


def clean(text: object, *, newlines: bool = False) -> str:
    """``str(text)`` with every control character replaced by its visible escape (``\\x1b``, ``\\n``).

    ``newlines=True`` keeps line feeds (for multi-line messages); everything else,
    tabs and carriage returns included, is always escaped.
    """
    s = "" if text is None else str(text)
    return (_UNSAFE_KEEP_NL if newlines else _UNSAFE).sub(_visible, s)


def markup_safe(text: object) -> str:
    """User text to put inside a rich markup string: cleaned and with markup escaped."""
    return escape(clean(text))


def plain(text: object, style: str = "", **kwargs: Any) -> Text:
    """User text as a :class:`rich.text.Text` (never parsed as markup), cleaned."""
    return Text(clean(text), style=style, **kwargs)


def shorten_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal cells, cut in the middle with an ellipsis when longer."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:max(width, 0)]
    keep = width - 1
    head, tail = text[: (keep + 1) // 2], text[len(text) - keep // 2:] if keep // 2 else ""
    while cell_len(head) + cell_len(tail) > keep:  # wide characters: trim until it fits
        if cell_len(head) >= cell_len(tail) and head:
            head = head[:-1]
        else:
            tail = tail[1:]
    return head + ELLIPSIS + tail


class OneLine:
    """A table cell that never wraps: shortened in the middle to its column's width.

    ``min_width`` is how narrow rich may measure it (the cell is never narrower
    than the text when there is room).
    """

    def __init__(self, text: object, style: str = "", min_width: int = 10) -> None:
        self.text = clean(text)
        self.style = style
        self.min_width = min_width

    def __str__(self) -> str:
        return self.text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        n = cell_len(self.text)
        return Measurement(min(n, self.min_width), n).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(shorten_middle(self.text, options.max_width), style=self.style, no_wrap=True, overflow="ignore",
                   end="")

