"""CLI commands: placeholder until its layer lands (owned by one developer)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
