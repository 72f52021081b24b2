"""Command-line face of wattprint (typer + rich)."""
