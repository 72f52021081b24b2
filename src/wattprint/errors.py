"""The one error type users see: a one-line message and a hint.

Any layer raises :class:`WattprintError` (or a subclass) for bad input or an
unusable environment; the CLI prints ``error: <message>`` and ``hint: <hint>``
and exits non-zero. Bugs stay ordinary exceptions with tracebacks.
"""

from __future__ import annotations


class WattprintError(Exception):
    """A user-facing error with a one-line message and an actionable hint."""

    exit_code: int = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message.strip().splitlines()[0] if message.strip() else message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"
